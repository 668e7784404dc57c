package dev.caravan.providers.bedrock;

import java.util.List;

/**
 * Whether AWS credentials are configured, judged from the settings the SDK's default chain reads, without calling
 * anything (resolving the chain can wait seconds on an instance metadata endpoint that is not there).
 */
public final class AwsCredentialsHint {

    private static final List<String> VARIABLES = List.of("AWS_ACCESS_KEY_ID", "AWS_PROFILE",
            "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI");

    private AwsCredentialsHint() {
    }

    public static boolean present() {
        if (System.getProperty("aws.accessKeyId") != null) {
            return true;
        }
        for (String variable : VARIABLES) {
            String value = System.getenv(variable);
            if (value != null && !value.isBlank()) {
                return true;
            }
        }
        return false;
    }
}
