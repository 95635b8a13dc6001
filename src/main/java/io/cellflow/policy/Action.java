package io.cellflow.policy;

/** What a rule, or a policy's default, does with a packet. */
public enum Action {
    ALLOW("allow"),
    DENY("deny");

    private final String json;

    Action(String json) {
        this.json = json;
    }

    /** The word in the policy JSON. */
    public String json() {
        return json;
    }

    /** @return the action named by {@code word} exactly (lower case), or {@code null} */
    static Action parse(String word) {
        for (Action a : values()) {
            if (a.json.equals(word)) {
                return a;
            }
        }
        return null;
    }
}
