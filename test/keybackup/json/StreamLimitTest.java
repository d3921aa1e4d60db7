package keybackup.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The per-value cap of the streaming reader: one huge member of a bulk response is refused, not buffered. */
class StreamLimitTest {
    static JsonReader reader(String json, long valueLimit) {
        JsonReader r = new JsonReader(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), Long.MAX_VALUE);
        r.limitValues(valueLimit);
        return r;
    }

    @Test
    void readValue_memberOverTheLimit_rejectedAtItsStart() throws Exception {
        String big = "x".repeat(100_000);
        JsonReader r = reader("{\"a\":1,\"junk\":\"" + big + "\"}", 10_000);
        r.beginObject();
        assertEquals("a", r.nextKey());
        assertEquals(Json.of(1), r.readValue());
        assertEquals("junk", r.nextKey());
        JsonException e = assertThrows(JsonException.class, r::readValue);
        assertTrue(e.getMessage().startsWith("value over the limit of 10000 bytes"), e.getMessage());
        assertEquals(14, e.offset());
    }

    @Test
    void nextKey_keyOverTheLimit_rejected() throws Exception {
        JsonReader r = reader("{\"" + "k".repeat(100_000) + "\":1}", 10_000);
        r.beginObject();
        assertThrows(JsonException.class, r::nextKey);
    }

    @Test
    void nextKey_moreMembersThanTheLimit_rejected() throws Exception {
        JsonReader r = reader("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", 1000);
        r.limitMembers(3);
        r.beginObject();
        for (int i = 0; i < 3; i++) {
            r.nextKey();
            r.readValue();
        }
        JsonException e = assertThrows(JsonException.class, r::nextKey);
        assertTrue(e.getMessage().startsWith("object with more than 3 members"), e.getMessage());
    }

    @Test
    void manySmallValues_totalFarOverTheLimit_accepted() throws Exception {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < 5000; i++) sb.append(i == 0 ? ""
                : ",").append("\"k").append(i).append("\":\"").append("v".repeat(50)).append('"');
        JsonReader r = reader(sb.append('}').toString(), 1000);
        r.beginObject();
        int n = 0;
        for (String k = r.nextKey(); k != null; k = r.nextKey()) {
            r.readValue();
            n++;
        }
        r.expectEnd();
        assertEquals(5000, n);
    }
}
