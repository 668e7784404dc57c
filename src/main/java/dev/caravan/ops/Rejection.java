package dev.caravan.ops;

/** Why a route file's content was not applied; its message is the log line's reason. */
final class Rejection extends Exception {

    private final boolean liftedByOtherFiles;

    Rejection(String reason, Throwable cause) {
        this(reason, cause, false);
    }

    private Rejection(String reason, Throwable cause, boolean liftedByOtherFiles) {
        super(reason, cause);
        this.liftedByOtherFiles = liftedByOtherFiles;
    }

    /** A refusal that a change to another file may lift (e.g. a route id that file holds); found before the swap. */
    static Rejection untilOtherFilesChange(String reason) {
        return new Rejection(reason, null, true);
    }

    boolean liftedByOtherFiles() {
        return liftedByOtherFiles;
    }

    /** The innermost message of a failure, on one line. */
    static String reason(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.replaceAll("\\s+", " ").trim();
    }
}
