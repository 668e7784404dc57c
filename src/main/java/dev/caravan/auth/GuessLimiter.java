package dev.caravan.auth;

import io.netty.util.NetUtil;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Limits guessing a credential: once a client address has presented {@code maxFailures} wrong credentials within a
 * window (which starts at its first failure), it is answered 429 with Retry-After until that window passes, whatever
 * it presents, the right credential too. The address is the client's as {@link ClientAddress} reads it (the peer,
 * or the client a trusted proxy names), an IPv6 one by its /64, which one host usually holds whole; it is read only
 * for a failure and while failures are remembered. A wrong credential presented again in a row counts once (a
 * client left with an old key is not guessing), and a success resets nothing. Windows are forgotten as they pass;
 * past {@code maxTracked} addresses within one window, further addresses share one count.
 */
public final class GuessLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(GuessLimiter.class);
    /** More failing addresses within one window than any real traffic has, few enough for the heap (~15 MiB). */
    private static final int MAX_TRACKED = 50_000;
    static final String OTHER_ADDRESSES = "other addresses";

    /** No limit. */
    public static final GuessLimiter OFF = new GuessLimiter("credential", 0, Duration.ZERO, ClientAddress.PEER);

    private record Failures(long windowStart, int count, String lastCredential) {
    }

    private record Window(String client, long start) {
    }

    private final String credential;
    private final int maxFailures;
    private final long windowNanos;
    private final LongSupplier nanoClock;
    private final int maxTracked;
    private final ClientAddress clients;
    private final Map<String, Failures> byClient = new ConcurrentHashMap<>();
    /** The windows started, oldest first: all windows last as long, so they pass in this order. */
    private final Queue<Window> windows = new ArrayDeque<>();
    /** The oldest window's start, for {@link #forgetIfDue} to read without the lock. */
    private volatile long oldestStart;
    private volatile boolean windowsLeft;

    /**
     * {@code credential} names what is guessed in answers and logs ("master key"); {@code maxFailures} 0: no limit;
     * {@code clients}: whose request it is.
     */
    public GuessLimiter(String credential, int maxFailures, Duration window, ClientAddress clients) {
        this(credential, maxFailures, window, System::nanoTime, MAX_TRACKED, clients);
    }

    GuessLimiter(String credential, int maxFailures, Duration window, LongSupplier nanoClock, int maxTracked) {
        this(credential, maxFailures, window, nanoClock, maxTracked, ClientAddress.PEER);
    }

    private GuessLimiter(String credential, int maxFailures, Duration window, LongSupplier nanoClock, int maxTracked,
                         ClientAddress clients) {
        this.clients = clients;
        this.credential = credential;
        this.maxFailures = window.isZero() || window.isNegative() ? 0 : Math.max(0, maxFailures);
        this.windowNanos = window.toNanos();
        this.nanoClock = nanoClock;
        this.maxTracked = maxTracked;
    }

    /** Throws 429 while the request's address has used up its failures. */
    public void admit(Exchange exchange) {
        if (maxFailures > 0 && !byClient.isEmpty()) {
            admit(clientOf(exchange));
        }
    }

    void admit(String client) {
        forgetIfDue();
        long waitNanos = refusedFor(client);
        if (waitNanos > 0) {
            long waitMillis = (waitNanos + 999_999) / 1_000_000;
            throw new AuthFailure(429, "rate_limit_error", "too_many_failed_attempts", "Too many wrong " + credential
                    + "s from this address; try again in " + (waitMillis + 999) / 1000 + " s", waitMillis, Map.of());
        }
    }

    /** Whether {@link #admit} would refuse this request. */
    public boolean refuses(Exchange exchange) {
        if (maxFailures == 0 || byClient.isEmpty()) {
            return false;
        }
        forgetIfDue();
        return !byClient.isEmpty() && refusedFor(clientOf(exchange)) > 0;
    }

    /** Counts a wrong credential for the request's address; {@code fingerprint}: the credential's hash, never itself. */
    public void failed(Exchange exchange, String fingerprint) {
        if (maxFailures > 0) {
            failed(clientOf(exchange), fingerprint, clients.forwardedByUntrustedPeer(exchange));
        }
    }

    /** How long {@code client} is still refused, in nanoseconds; 0 when it is not. */
    long refusedFor(String client) {
        if (client == null || maxFailures == 0) {
            return 0;
        }
        Failures failures = byClient.get(client);
        if (failures == null && byClient.size() >= maxTracked) {
            failures = byClient.get(OTHER_ADDRESSES);
        }
        long left = failures == null ? 0 : failures.windowStart() + windowNanos - nanoClock.getAsLong();
        return failures != null && failures.count() >= maxFailures && left > 0 ? left : 0;
    }

    void failed(String client, String fingerprint) {
        failed(client, fingerprint, null);
    }

    /**
     * {@code forwardingHeader}: the forwarding header the request carried from a peer that is not a trusted proxy, or
     * null; named in the warning when the refusal begins, since every client behind that proxy is then refused too.
     */
    private void failed(String client, String fingerprint, String forwardingHeader) {
        if (client == null || maxFailures == 0) {
            return;
        }
        Failures counted;
        Failures before;
        synchronized (windows) {
            long now = nanoClock.getAsLong();
            forgetPassed(now);
            String key = byClient.containsKey(client) || byClient.size() < maxTracked ? client : OTHER_ADDRESSES;
            before = byClient.get(key);
            if (before == null) {
                counted = new Failures(now, 1, fingerprint);
                windows.add(new Window(key, now));
            } else if (fingerprint.equals(before.lastCredential())) {
                counted = before;
            } else {
                counted = new Failures(before.windowStart(), before.count() + 1, fingerprint);
            }
            byClient.put(key, counted);
            noteOldest();
        }
        if (counted.count() == maxFailures && counted != before) {
            LOG.warn("{} presented {} wrong {}s within {} s: refused (429) until its window passes{}", client,
                    maxFailures, credential, Duration.ofNanos(windowNanos).toSeconds(), forwardingHeader == null ? ""
                            : "; it sent " + forwardingHeader + ", so it may be a proxy whose every client is refused "
                            + "with it: list it in caravan.auth.trusted-proxies to count each client on its own");
        }
    }

    /** Drops the addresses whose window has passed: they start again from no failures. */
    private void forgetPassed(long now) {
        for (Window oldest = windows.peek(); oldest != null && now - oldest.start() >= windowNanos; oldest = windows.peek()) {
            windows.remove();
            byClient.remove(oldest.client());
        }
        noteOldest();
    }

    /** Under the lock: publishes the oldest window for {@link #forgetIfDue}. */
    private void noteOldest() {
        Window oldest = windows.peek();
        windowsLeft = oldest != null;
        oldestStart = oldest == null ? 0 : oldest.start();
    }

    /**
     * Forgets the windows that have passed without waiting for the next failure, so that a guarded request stops
     * reading its client's address once no failure is left; a volatile read unless one is due.
     */
    private void forgetIfDue() {
        if (windowsLeft && nanoClock.getAsLong() - oldestStart >= windowNanos) {
            synchronized (windows) {
                forgetPassed(nanoClock.getAsLong());
            }
        }
    }

    /** Addresses tracked; for tests. */
    int trackedClients() {
        return byClient.size();
    }

    /** The request's client address (an IPv6 one as its /64), or null for an exchange that did not come over HTTP. */
    String clientOf(Exchange exchange) {
        String address = clients.of(exchange);
        return address == null ? null : client(address);
    }

    static String client(String address) {
        byte[] bytes = address == null ? null : NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null) {
            return address;
        }
        try {
            InetAddress parsed = InetAddress.getByAddress(bytes);
            if (parsed instanceof Inet4Address) {
                return parsed.getHostAddress();
            }
            byte[] prefix = new byte[16];
            System.arraycopy(bytes, 0, prefix, 0, 8);
            return InetAddress.getByAddress(prefix).getHostAddress() + "/64";
        } catch (UnknownHostException e) {
            return address;
        }
    }
}
