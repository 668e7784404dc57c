package dev.caravan.providers.bedrock;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Made-up AWS credentials in the SDK's system properties, for gateways that sign their calls to {@link FakeBedrock};
 * closing puts back what the properties held before.
 */
public final class AwsTestCredentials implements AutoCloseable {

    private static final List<String> NAMES = List.of("aws.accessKeyId", "aws.secretAccessKey", "aws.sessionToken");

    private final Map<String, String> saved = new HashMap<>();

    private AwsTestCredentials() {
    }

    /** Sets {@code accessKeyId} with a made-up secret and no session token. */
    public static AwsTestCredentials set(String accessKeyId) {
        AwsTestCredentials credentials = new AwsTestCredentials();
        for (String name : NAMES) {
            credentials.saved.put(name, System.getProperty(name));
        }
        System.setProperty("aws.accessKeyId", accessKeyId);
        System.setProperty("aws.secretAccessKey", "not-a-real-secret-key");
        System.clearProperty("aws.sessionToken");
        return credentials;
    }

    @Override
    public void close() {
        saved.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
    }
}
