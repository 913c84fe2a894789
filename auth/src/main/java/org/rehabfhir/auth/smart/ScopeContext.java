package org.rehabfhir.auth.smart;

/** The first part of a SMART scope: whose data the scope is about. */
public enum ScopeContext {
    /** The patient of the launch context (the token's {@code patient} claim) only. */
    PATIENT("patient"),
    /** Whatever the signed-in user may see. */
    USER("user"),
    /** A backend system without a user (client credentials). */
    SYSTEM("system");

    private final String prefix;

    ScopeContext(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    static ScopeContext ofPrefix(String prefix) {
        for (ScopeContext c : values()) {
            if (c.prefix.equals(prefix)) {
                return c;
            }
        }
        throw new IllegalArgumentException(prefix);
    }
}
