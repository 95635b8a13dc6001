package io.cellflow.policy;

/**
 * A policy document is malformed. {@link #field()} names the offending member as a path from the policy's root,
 * e.g. {@code policy.rules[2].cidr} (array indexes are 0-based, as in the JSON).
 */
public final class PolicyException extends RuntimeException {
    private final String field;

    PolicyException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
