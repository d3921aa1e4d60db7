package keybackup.json;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The members of a {@link Json.Obj} while this package builds it (parser, {@code with}, {@code without},
 * {@code Json.obj}). An object constructed from a map of this class keeps that map (behind an
 * unmodifiable view) instead of copying it again: the map is new, was filled here with non-null keys
 * and values, and no reference to it is kept by its builder. Package-private, so a caller's map is
 * never of this class and is always copied.
 */
final class Members extends LinkedHashMap<String, Json> {
    private static final long serialVersionUID = 1L;

    Members() {
        super();
    }

    Members(Map<String, Json> members) {
        super(members);
    }

    // LinkedHashMap is Serializable, and deserialization could make a Members that someone else still
    // holds (and can change) without going through this package: refused.
    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("keybackup.json.Members is not deserializable");
    }

    private void readObjectNoData() throws InvalidObjectException {
        throw new InvalidObjectException("keybackup.json.Members is not deserializable");
    }
}
