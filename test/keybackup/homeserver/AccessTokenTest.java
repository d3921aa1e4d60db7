package keybackup.homeserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessTokenTest {
    @TempDir
    Path tmp;

    @Test
    void toString_anyToken_isRedacted() {
        assertEquals("AccessToken[redacted]", AccessToken.of("syt_secret").toString());
    }

    @Test
    void fromFile_firstLine_isUsedAndTrimmed() throws Exception {
        Path f = tmp.resolve("token");
        Files.writeString(f, "  syt_fromfile \nsecond line\n", StandardCharsets.UTF_8);
        assertEquals("Bearer syt_fromfile", AccessToken.fromFile(f).bearer());
    }

    @Test
    void fromFile_missing_messageNamesFileNotToken() {
        StoreException e = assertThrows(StoreException.class, () -> AccessToken.fromFile(tmp.resolve("absent")));
        assertTrue(e.getMessage().startsWith("access token file "), e.getMessage());
    }

    @Test
    void fromEnvironment_set_isRead() throws Exception {
        assertEquals("Bearer env_tok", AccessToken.fromEnvironment(Map.of("KEYBACKUP_ACCESS_TOKEN", "env_tok")).bearer());
    }

    @Test
    void fromEnvironment_unset_throwsNamingVariable() {
        StoreException e = assertThrows(StoreException.class, () -> AccessToken.fromEnvironment(Map.of()));
        assertEquals("KEYBACKUP_ACCESS_TOKEN: not set", e.getMessage());
    }

    @Test
    void of_headerInjection_rejectedWithoutEchoingValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AccessToken.of("abc\r\nX-Evil: secretpart"));
        assertFalse(e.getMessage().contains("secretpart"));
        assertThrows(IllegalArgumentException.class, () -> AccessToken.of(""));
    }

    @Test
    void redact_textContainingToken_replaced() {
        assertEquals("bad token [redacted] here", AccessToken.of("tok123").redact("bad token tok123 here"));
    }
}
