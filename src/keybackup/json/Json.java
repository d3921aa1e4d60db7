package keybackup.json;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable JSON value. There is deliberately no floating-point type: Matrix canonical JSON
 * allows only integers in ±(2^53−1), so a value of this type can always be canonicalized.
 */
public sealed interface Json permits Json.Obj, Json.Arr, Json.Str, Json.Int, Json.Bool, Json.Null {

    /** Largest integer canonical JSON allows: 2^53 − 1. */
    long MAX_INTEGER = 9007199254740991L;

    /** A JSON object; member order is kept as read (the encoder sorts). */
    record Obj(Map<String, Json> members) implements Json {
        /**
         * Makes an immutable object. A map from outside this package is copied first, so later changes to
         * it do not show here; member order is kept.
         *
         * @param members the members; their order is kept (the canonical encoder sorts by key regardless)
         * @throws NullPointerException if {@code members}, one of its keys or one of its values is null
         */
        public Obj {
            Objects.requireNonNull(members, "members");
            if (!(members instanceof Members)) { // a caller's map: copied, so its later changes cannot reach this object
                Members copy = new Members();
                members.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, "value")));
                members = copy;
            }
            members = Collections.unmodifiableMap(members);
        }

        /**
         * Looks up a member of any type.
         *
         * @param key the member name
         * @return the member's value, or null when the object has no such member
         */
        public Json get(String key) {
            return members.get(key);
        }

        /**
         * Tells whether a member is present, whatever its value (a JSON {@code null} counts as present).
         *
         * @param key the member name
         * @return true when the object has a member named {@code key}
         */
        public boolean has(String key) {
            return members.containsKey(key);
        }

        /**
         * Looks up a string member.
         *
         * @param key the member name
         * @return the member's text, or null when it is absent or not a JSON string
         */
        public String string(String key) {
            return members.get(key) instanceof Str s ? s.value() : null;
        }

        /**
         * Looks up an object member.
         *
         * @param key the member name
         * @return the member, or null when it is absent or not a JSON object
         */
        public Obj object(String key) {
            return members.get(key) instanceof Obj o ? o : null;
        }

        /**
         * Makes a copy with one member set; this object is left unchanged.
         *
         * @param key the member name; a member already present keeps its place, a new one is added last
         * @param value the member's new value
         * @return the new object
         * @throws NullPointerException if {@code key} or {@code value} is null
         */
        public Obj with(String key, Json value) {
            Members copy = new Members(members);
            copy.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return new Obj(copy);
        }

        /**
         * Makes a copy with one member removed; this object is left unchanged.
         *
         * @param key the member name
         * @return the new object, or this same object when it has no member {@code key}
         */
        public Obj without(String key) {
            if (!members.containsKey(key)) return this;
            Members copy = new Members(members);
            copy.remove(key);
            return new Obj(copy);
        }
    }

    /** A JSON array. */
    record Arr(List<Json> elements) implements Json {
        /**
         * Makes an immutable array from a copy of {@code elements}.
         *
         * @param elements the elements, in order
         * @throws NullPointerException if {@code elements} or one of its elements is null
         */
        public Arr {
            elements = List.copyOf(elements); // rejects null elements
        }
    }

    /** A JSON string; always valid Unicode (the parser rejects lone surrogates, so does this constructor). */
    record Str(String value) implements Json {
        /**
         * Checks that {@code value} is valid Unicode, as canonical JSON needs.
         *
         * @param value the text
         * @throws NullPointerException if {@code value} is null
         * @throws IllegalArgumentException if {@code value} holds a surrogate that is not part of a pair
         */
        public Str {
            Objects.requireNonNull(value, "value");
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    throw new IllegalArgumentException("string holds a lone surrogate at index " + i);
                }
            }
        }
    }

    /** A JSON integer within ±(2^53−1). */
    record Int(long value) implements Json {
        /**
         * Checks that {@code value} is one canonical JSON allows.
         *
         * @param value the integer
         * @throws IllegalArgumentException if {@code value} is outside ±{@link #MAX_INTEGER}
         */
        public Int {
            if (value > MAX_INTEGER || value < -MAX_INTEGER) {
                throw new IllegalArgumentException("integer outside ±(2^53−1): " + value);
            }
        }
    }

    /** {@code true} or {@code false}. */
    record Bool(boolean value) implements Json {
        /** The JSON literal {@code true}; {@link Json#of(boolean)} returns this instance. */
        public static final Bool TRUE = new Bool(true);
        /** The JSON literal {@code false}; {@link Json#of(boolean)} returns this instance. */
        public static final Bool FALSE = new Bool(false);
    }

    /** {@code null}. */
    record Null() implements Json {
        /** The JSON literal {@code null}, the instance the parser returns. */
        public static final Null INSTANCE = new Null();
    }

    /**
     * Wraps text as a JSON string.
     *
     * @param s the text
     * @return the string value
     * @throws NullPointerException if {@code s} is null
     * @throws IllegalArgumentException if {@code s} holds a lone surrogate
     */
    static Str of(String s) {
        return new Str(s);
    }

    /**
     * Wraps a number as a JSON integer.
     *
     * @param n the number
     * @return the integer value
     * @throws IllegalArgumentException if {@code n} is outside ±{@link #MAX_INTEGER}
     */
    static Int of(long n) {
        return new Int(n);
    }

    /**
     * Wraps a boolean as a JSON literal.
     *
     * @param b the boolean
     * @return {@link Bool#TRUE} or {@link Bool#FALSE}
     */
    static Bool of(boolean b) {
        return b ? Bool.TRUE : Bool.FALSE;
    }

    /**
     * Builds an object from alternating keys and values: {@code Json.obj("a", Json.of(1), "b", Json.of("x"))}.
     *
     * @param keysAndValues a {@code String} key followed by its {@code Json} value, repeated; members keep this order
     * @return the object
     * @throws IllegalArgumentException if there is an odd number of arguments or a key appears twice
     * @throws ClassCastException if a key is not a {@code String} or a value not a {@code Json}
     * @throws NullPointerException if a key or value is null
     */
    static Obj obj(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) throw new IllegalArgumentException("odd number of arguments");
        Members m = new Members();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String key = Objects.requireNonNull((String) keysAndValues[i], "key");
            if (m.put(key, Objects.requireNonNull((Json) keysAndValues[i + 1], "value")) != null) throw new IllegalArgumentException("duplicate key " + key);
        }
        return new Obj(m);
    }

    /**
     * Builds an array from a copy of {@code elements}.
     *
     * @param elements the elements, in order
     * @return the array
     * @throws NullPointerException if {@code elements} or one of its elements is null
     */
    static Arr arr(List<? extends Json> elements) {
        return new Arr(List.copyOf(elements));
    }
}
