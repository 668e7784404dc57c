package dev.caravan.auth;

import io.netty.util.NetUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Whose request it is, by address: the connection's peer, or, when that peer is a trusted proxy
 * ({@code caravan.auth.trusted-proxies}), the client the proxies name in their forwarding header. Each proxy appends
 * the address it received from to what the caller sent, so the chain is read from the right, past the trusted
 * proxies, to the first address that is not one: what stands left of it the caller may have written itself. A chain
 * of trusted addresses only gives its leftmost; an entry that is not an address literal gives the peer. The header of
 * an untrusted peer is never read.
 */
public final class ClientAddress {

    public static final String X_FORWARDED_FOR = "X-Forwarded-For";
    public static final String FORWARDED = "Forwarded";
    /** Trusts no proxy: the peer is the client. */
    public static final ClientAddress PEER = new ClientAddress(List.of(), X_FORWARDED_FOR);

    private static final Pattern PREFIX = Pattern.compile("\\d{1,3}");

    /** An address range: the addresses whose first {@code prefix} bits are those of {@code network}. */
    private record Range(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int whole = prefix / 8;
            if (!Arrays.equals(address, 0, whole, network, 0, whole)) {
                return false;
            }
            int mask = 0xff00 >> (prefix % 8) & 0xff;
            return mask == 0 || (address[whole] & mask) == (network[whole] & mask);
        }
    }

    private final List<Range> trusted;
    private final String header;

    private ClientAddress(List<Range> trusted, String header) {
        this.trusted = trusted;
        this.header = header;
    }

    /**
     * {@code proxies}: comma-separated IP addresses and CIDR ranges (IPv4, IPv6), empty for none; {@code header}: the
     * one the proxies set, X-Forwarded-For or Forwarded (RFC 7239's for=). An entry that is neither, or another
     * header, is refused with a message that names it; host names are not resolved.
     */
    public static ClientAddress trusting(String proxies, String header) {
        String named = header == null || header.isBlank() ? X_FORWARDED_FOR : header.trim();
        if (!named.equalsIgnoreCase(X_FORWARDED_FOR) && !named.equalsIgnoreCase(FORWARDED)) {
            throw new IllegalArgumentException("caravan.auth.trusted-proxies.header must be X-Forwarded-For or "
                    + "Forwarded, not '" + named + "'");
        }
        List<Range> ranges = new ArrayList<>();
        for (String entry : (proxies == null ? "" : proxies).split(",")) {
            if (!entry.isBlank()) {
                ranges.add(range(entry.trim()));
            }
        }
        return new ClientAddress(List.copyOf(ranges),
                named.equalsIgnoreCase(FORWARDED) ? FORWARDED : X_FORWARDED_FOR);
    }

    private static Range range(String entry) {
        int slash = entry.indexOf('/');
        String address = slash < 0 ? entry : entry.substring(0, slash);
        byte[] network = unmapped(NetUtil.createByteArrayFromIpAddressString(address));
        String prefix = slash < 0 ? null : entry.substring(slash + 1);
        if (network == null || prefix != null && (!PREFIX.matcher(prefix).matches()
                || Integer.parseInt(prefix) > network.length * 8)) {
            throw new IllegalArgumentException("caravan.auth.trusted-proxies: '" + entry + "' is neither an IP address "
                    + "nor a CIDR range (such as 10.0.0.0/8 or fd00::/8)");
        }
        return new Range(network, prefix == null ? network.length * 8 : Integer.parseInt(prefix));
    }

    /** The client's address, or null for an exchange that did not come over HTTP. */
    public String of(Exchange exchange) {
        HttpServerRequest request = request(exchange);
        SocketAddress peer = request == null ? null : request.remoteAddress();
        if (peer == null) {
            return null;
        }
        return trusted.isEmpty() ? peer.hostAddress() : of(peer.hostAddress(), request.headers());
    }

    /**
     * The forwarding header (X-Forwarded-For or Forwarded) an HTTP request carries from a peer that is not a trusted
     * proxy, whose header is therefore not read; null when it carries none or its peer is trusted.
     */
    public String forwardedByUntrustedPeer(Exchange exchange) {
        HttpServerRequest request = request(exchange);
        if (request == null) {
            return null;
        }
        SocketAddress peer = request.remoteAddress();
        byte[] peerAddress = peer == null ? null : literal(peer.hostAddress());
        if (peerAddress != null && trusts(peerAddress)) {
            return null;
        }
        MultiMap headers = request.headers();
        return headers.contains(X_FORWARDED_FOR) ? X_FORWARDED_FOR : headers.contains(FORWARDED) ? FORWARDED : null;
    }

    private static HttpServerRequest request(Exchange exchange) {
        return exchange.getIn() instanceof HttpMessage http ? http.getRequest() : null;
    }

    /** The client of a request from {@code peer} with these headers. */
    String of(String peer, MultiMap headers) {
        byte[] peerAddress = literal(peer);
        if (peerAddress == null || !trusts(peerAddress)) {
            return peer;
        }
        List<String> chain = header.equals(FORWARDED) ? forwardedFor(headers) : xForwardedFor(headers);
        String client = peer;
        for (int i = chain.size() - 1; i >= 0; i--) {
            byte[] hop = literal(chain.get(i));
            if (hop == null) {
                return peer;
            }
            client = NetUtil.bytesToIpAddress(hop);
            if (!trusts(hop)) {
                return client;
            }
        }
        return client;
    }

    private boolean trusts(byte[] address) {
        for (Range range : trusted) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> xForwardedFor(MultiMap headers) {
        List<String> entries = new ArrayList<>();
        for (String value : headers.getAll(X_FORWARDED_FOR)) {
            entries.addAll(Arrays.asList(value.split(",", -1)));
        }
        return entries;
    }

    /** The for= values of RFC 7239 Forwarded headers in order, unquoted ("" for a for without a value). */
    static List<String> forwardedFor(MultiMap headers) {
        List<String> named = new ArrayList<>();
        for (String value : headers.getAll(FORWARDED)) {
            for (String pair : value.split("[,;]")) {
                String[] nameValue = pair.split("=", 2);
                if (nameValue[0].trim().equalsIgnoreCase("for")) {
                    named.add(nameValue.length < 2 ? "" : nameValue[1].trim().replace("\"", ""));
                }
            }
        }
        return named;
    }

    /**
     * The address a forwarding entry names (IPv6 perhaps in brackets, either perhaps with a port; an IPv4-mapped IPv6
     * address as IPv4), or null when it is not an address literal; never resolves a name.
     */
    static byte[] literal(String entry) {
        if (entry == null) {
            return null;
        }
        String address = entry.trim();
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            address = close < 0 ? "" : address.substring(1, close);
        } else if (address.indexOf(':') == address.lastIndexOf(':') && address.indexOf(':') > 0) {
            address = address.substring(0, address.indexOf(':'));
        }
        return unmapped(NetUtil.createByteArrayFromIpAddressString(address));
    }

    private static byte[] unmapped(byte[] address) {
        if (address == null || address.length != 16) {
            return address;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return address;
            }
        }
        boolean mapped = (address[10] & 0xff) == 0xff && (address[11] & 0xff) == 0xff;
        return mapped ? Arrays.copyOfRange(address, 12, 16) : address;
    }
}
