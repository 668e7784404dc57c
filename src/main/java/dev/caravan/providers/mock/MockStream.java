package dev.caravan.providers.mock;

import dev.caravan.core.StreamEvent;
import dev.caravan.streaming.UpstreamStream;

import java.util.List;

/** A mock answer streamed piece by piece, {@code delayMillis} apart; closing it wakes and ends it at once. */
final class MockStream implements UpstreamStream {

    private final MockModels.Answer answer;
    private final long delayMillis;
    private final Object lock = new Object();
    private int position = -1;
    private boolean closed;

    MockStream(MockModels.Answer answer, long delayMillis) {
        this.answer = answer;
        this.delayMillis = delayMillis;
    }

    @Override
    public List<StreamEvent> next() {
        synchronized (lock) {
            if (closed) {
                return null;
            }
            position++;
            List<String> pieces = answer.pieces();
            if (position == 0) {
                return List.of(new StreamEvent.Started(null));
            }
            if (position <= pieces.size()) {
                pause();
                return closed ? null : List.of(new StreamEvent.TextDelta(pieces.get(position - 1)));
            }
            if (position == pieces.size() + 1) {
                return List.of(new StreamEvent.Finished(answer.finishReason()),
                        new StreamEvent.UsageReport(answer.usage()));
            }
            return null;
        }
    }

    private void pause() {
        if (delayMillis <= 0) {
            return;
        }
        long until = System.currentTimeMillis() + delayMillis;
        try {
            for (long left = delayMillis; left > 0 && !closed; left = until - System.currentTimeMillis()) {
                lock.wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }
}
