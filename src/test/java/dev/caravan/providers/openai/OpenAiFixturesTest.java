package dev.caravan.providers.openai;

import com.openai.core.ObjectMappers;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import dev.caravan.streaming.SseEvent;
import dev.caravan.streaming.SseReader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recorded samples are what OpenAI's own Java SDK reads: a check that they have the real wire shapes. */
class OpenAiFixturesTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"response-text.json", "response-tool-calls.json"})
    void theOfficialSdkReadsEveryRecordedAnswer(String fixture) throws IOException {
        ChatCompletion completion = ObjectMappers.jsonMapper().readValue(OpenAiFixtures.bytes(fixture),
                ChatCompletion.class).validate();

        assertEquals(1, completion.choices().size());
        assertTrue(completion.usage().isPresent());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stream-text.sse", "stream-tool-calls.sse"})
    void theOfficialSdkReadsEveryChunkOfEveryRecordedStream(String fixture) throws IOException {
        SseReader reader = new SseReader(new ByteArrayInputStream(OpenAiFixtures.bytes(fixture)));
        int chunks = 0;
        SseEvent last = null;
        for (SseEvent event = reader.next(); event != null; event = reader.next()) {
            last = event;
            if (!"[DONE]".equals(event.data())) {
                ObjectMappers.jsonMapper().readValue(event.data(), ChatCompletionChunk.class).validate();
                chunks++;
            }
        }

        assertTrue(chunks > 2);
        assertEquals("[DONE]", last.data());
    }
}
