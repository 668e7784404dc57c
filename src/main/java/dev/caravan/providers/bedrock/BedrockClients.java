package dev.caravan.providers.bedrock;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClientBuilder;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClientBuilder;

import java.net.URI;
import java.time.Duration;

/**
 * Builds the Bedrock Runtime clients. Credentials, region and endpoint come from the AWS SDK's own chains
 * ({@code AWS_REGION}, {@code AWS_ACCESS_KEY_ID}/..., profiles, web identity, {@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME}
 * or the system property {@code aws.endpointUrlBedrockRuntime}) unless given here; the SDK signs every request.
 */
public final class BedrockClients implements AutoCloseable {

    private final BedrockRuntimeClient sync;
    private final BedrockRuntimeAsyncClient async;
    private final Duration apiCallTimeout;

    /** Clients configured entirely by the AWS SDK's default chains. */
    public BedrockClients(Duration connectTimeout, Duration apiCallTimeout, boolean http1, int maxAttempts) {
        this(null, null, null, connectTimeout, apiCallTimeout, http1, maxAttempts);
    }

    /**
     * @param region      null for the SDK's region chain
     * @param endpoint    null for the SDK's endpoint resolution (including {@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME})
     * @param credentials null for the SDK's default credential chain
     * @param apiCallTimeout the whole of a non-streaming call; streams are bounded by their idle timeout instead
     * @param http1       speak HTTP/1.1 on the async client (Bedrock itself speaks HTTP/2; plain test servers do not)
     * @param maxAttempts attempts the SDK makes per call; 1 leaves retrying to the route's fallback chain and
     *                    circuit breaker, which then see every failure at once
     */
    public BedrockClients(Region region, URI endpoint, AwsCredentialsProvider credentials, Duration connectTimeout,
                          Duration apiCallTimeout, boolean http1, int maxAttempts) {
        this.apiCallTimeout = apiCallTimeout;
        AwsCredentialsProvider chain = credentials != null ? credentials : DefaultCredentialsProvider.builder().build();
        BedrockRuntimeClientBuilder syncBuilder = BedrockRuntimeClient.builder()
                .credentialsProvider(chain)
                .httpClientBuilder(ApacheHttpClient.builder()
                        .connectionTimeout(connectTimeout)
                        // a long answer is silent until it is complete: the socket must wait as long as the call
                        .socketTimeout(apiCallTimeout))
                .overrideConfiguration(c -> c.apiCallTimeout(apiCallTimeout)
                        .retryStrategy(r -> r.maxAttempts(maxAttempts)));
        BedrockRuntimeAsyncClientBuilder asyncBuilder = BedrockRuntimeAsyncClient.builder()
                .credentialsProvider(chain)
                .overrideConfiguration(c -> c.retryStrategy(r -> r.maxAttempts(maxAttempts)))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .connectionTimeout(connectTimeout)
                        // the async client serves streams, whose silence the stream's idle timeout bounds
                        // (caravan.bedrock.idle-timeout-ms): Netty's own read timeout (30 s by default, on for the
                        // whole stream) would cut one that the idle timeout lets wait
                        .readTimeout(Duration.ZERO)
                        .protocol(http1 ? Protocol.HTTP1_1 : Protocol.HTTP2));
        if (region != null) {
            syncBuilder.region(region);
            asyncBuilder.region(region);
        }
        if (endpoint != null) {
            syncBuilder.endpointOverride(endpoint);
            asyncBuilder.endpointOverride(endpoint);
        }
        this.sync = syncBuilder.build();
        this.async = asyncBuilder.build();
    }

    /** The most a whole non-streaming call may take. */
    public Duration apiCallTimeout() {
        return apiCallTimeout;
    }

    public BedrockRuntimeClient sync() {
        return sync;
    }

    public BedrockRuntimeAsyncClient async() {
        return async;
    }

    @Override
    public void close() {
        sync.close();
        async.close();
    }
}
