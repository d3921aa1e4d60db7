package keybackup.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Json.Obj is immutable whichever way it was built, and refuses null keys and values. */
class JsonObjTest {

    @Test
    void callersMap_changedAfterwards_objectUnchanged() {
        Map<String, Json> mine = new LinkedHashMap<>();
        mine.put("a", Json.of(1));
        Json.Obj o = new Json.Obj(mine);
        mine.put("b", Json.of(2));
        mine.remove("a");
        assertEquals(List.of("a"), List.copyOf(o.members().keySet()));
    }

    @Test
    void membersView_cannotBeChanged_andDerivedObjectsLeaveTheOriginalAlone() throws JsonException {
        Json.Obj parsed = (Json.Obj) JsonReader.parse("{\"a\":1,\"b\":{\"c\":2}}".getBytes(StandardCharsets.UTF_8));
        Json.Obj built = Json.obj("x", Json.of("y"));
        for (Json.Obj o : List.of(parsed, built, parsed.with("z", Json.of(true)), parsed.without("a"),
                parsed.object("b"))) {
            assertThrows(UnsupportedOperationException.class, () -> o.members().put("q", Json.of(0)));
            assertThrows(UnsupportedOperationException.class, () -> o.members().clear());
        }
        Json.Obj more = parsed.with("z", Json.of(true));
        Json.Obj less = parsed.without("a");
        assertEquals("{\"a\":1,\"b\":{\"c\":2}}", CanonicalJson.encodeToString(parsed));
        assertEquals("{\"a\":1,\"b\":{\"c\":2},\"z\":true}", CanonicalJson.encodeToString(more));
        assertEquals("{\"b\":{\"c\":2}}", CanonicalJson.encodeToString(less));
        assertSame(parsed, parsed.without("absent"));
    }

    @Test
    void nullKeysAndValues_refusedOnEveryPath() {
        Map<String, Json> nullValue = new HashMap<>();
        nullValue.put("a", null);
        assertThrows(NullPointerException.class, () -> new Json.Obj(nullValue));
        Map<String, Json> nullKey = new HashMap<>();
        nullKey.put(null, Json.of(1));
        assertThrows(NullPointerException.class, () -> new Json.Obj(nullKey));
        Json.Obj o = Json.obj("a", Json.of(1));
        assertThrows(NullPointerException.class, () -> o.with("b", null));
        assertThrows(NullPointerException.class, () -> o.with(null, Json.of(2)));
        assertThrows(NullPointerException.class, () -> Json.obj("a", null));
        assertThrows(NullPointerException.class, () -> Json.obj(null, Json.of(1)));
    }
}
