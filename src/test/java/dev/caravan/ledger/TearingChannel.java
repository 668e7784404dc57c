package dev.caravan.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A real file channel whose writes can be made to stop partway and fail, as on a full disk, and whose cutting back can
 * be made to fail too, as when the disk goes away. {@link #opener} opens every file through one.
 */
final class TearingChannel extends FileChannel {

    /** What the channels that {@link #opener} opens do. */
    static final class Faults {
        /** Bytes the next write writes before it fails; -1: it does not fail. */
        int nextWriteFailsAfter = -1;
        boolean truncateFails;

        JsonLinesFile.Opener opener() {
            return (file, options) -> new TearingChannel(FileChannel.open(file, options), this);
        }
    }

    private final FileChannel file;
    private final Faults faults;

    private TearingChannel(FileChannel file, Faults faults) {
        this.file = file;
        this.faults = faults;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (faults.nextWriteFailsAfter < 0) {
            return file.write(src);
        }
        ByteBuffer part = src.duplicate();
        part.limit(Math.min(src.limit(), src.position() + faults.nextWriteFailsAfter));
        faults.nextWriteFailsAfter = -1;
        while (part.hasRemaining()) {
            file.write(part);
        }
        src.position(part.position());
        throw new IOException("No space left on device");
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (faults.truncateFails) {
            throw new IOException("Input/output error");
        }
        file.truncate(size);
        return this;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return file.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return file.read(dsts, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        throw unused();
    }

    @Override
    public long position() throws IOException {
        return file.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        file.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public void force(boolean metaData) throws IOException {
        file.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) {
        throw unused();
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
        throw unused();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return file.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) {
        throw unused();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
        throw unused();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) {
        throw unused();
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) {
        throw unused();
    }

    private static UnsupportedOperationException unused() {
        return new UnsupportedOperationException("not used by the ledger");
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.close();
    }
}
