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
        public Obj {
            Objects.requireNonNull(members, "members");
            // a caller's map: copied, so its later changes cannot reach this object
            if (!(members instanceof Members)) {
                Members copy = new Members();
                members.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"),
                        Objects.requireNonNull(v, "value")));
                members = copy;
            }
            members = Collections.unmodifiableMap(members);
        }

        /** The member, or null when absent. */
        public Json get(String key) {
            return members.get(key);
        }

        public boolean has(String key) {
            return members.containsKey(key);
        }

        /** The member if it is a string, else null. */
        public String string(String key) {
            return members.get(key) instanceof Str s ? s.value() : null;
        }

        /** The member if it is an object, else null. */
        public Obj object(String key) {
            return members.get(key) instanceof Obj o ? o : null;
        }

        /** A copy with {@code key} set to {@code value} (added last when new). */
        public Obj with(String key, Json value) {
            Members copy = new Members(members);
            copy.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return new Obj(copy);
        }

        /** A copy without {@code key}. */
        public Obj without(String key) {
            if (!members.containsKey(key)) return this;
            Members copy = new Members(members);
            copy.remove(key);
            return new Obj(copy);
        }
    }

    /** A JSON array. */
    record Arr(List<Json> elements) implements Json {
        public Arr {
            elements = List.copyOf(elements); // rejects null elements
        }
    }

    /** A JSON string; always valid Unicode (the parser rejects lone surrogates, so does this constructor). */
    record Str(String value) implements Json {
        public Str {
            Objects.requireNonNull(value, "value");
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < value.length()
                        && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    throw new IllegalArgumentException("string holds a lone surrogate at index " + i);
                }
            }
        }
    }

    /** A JSON integer within ±(2^53−1). */
    record Int(long value) implements Json {
        public Int {
            if (value > MAX_INTEGER || value < -MAX_INTEGER) {
                throw new IllegalArgumentException("integer outside ±(2^53−1): " + value);
            }
        }
    }

    /** {@code true} or {@code false}. */
    record Bool(boolean value) implements Json {
        public static final Bool TRUE = new Bool(true);
        public static final Bool FALSE = new Bool(false);
    }

    /** {@code null}. */
    record Null() implements Json {
        public static final Null INSTANCE = new Null();
    }

    static Str of(String s) {
        return new Str(s);
    }

    static Int of(long n) {
        return new Int(n);
    }

    static Bool of(boolean b) {
        return b ? Bool.TRUE : Bool.FALSE;
    }

    /** An object from alternating keys and values: {@code Json.obj("a", Json.of(1), "b", Json.of("x"))}. */
    static Obj obj(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) throw new IllegalArgumentException("odd number of arguments");
        Members m = new Members();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String key = Objects.requireNonNull((String) keysAndValues[i], "key");
            if (m.put(key, Objects.requireNonNull((Json) keysAndValues[i + 1], "value")) != null) {
                throw new IllegalArgumentException("duplicate key " + key);
            }
        }
        return new Obj(m);
    }

    static Arr arr(List<? extends Json> elements) {
        return new Arr(List.copyOf(elements));
    }
}
