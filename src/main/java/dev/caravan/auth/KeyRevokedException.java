package dev.caravan.auth;

/** A key store refused to write a key that is not revoked over one that is: revoking a key is final. */
public final class KeyRevokedException extends IllegalStateException {

    public KeyRevokedException(String keyId) {
        super("key " + keyId + " is revoked");
    }
}
