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
    void hasJsonEscapedCharacter_onlyAQuoteOrABackslash() {
        assertFalse(AccessToken.of("syt_a/b+c=d-e_f:g,h{i}[j]~!").hasJsonEscapedCharacter());
        assertTrue(AccessToken.of("syt_a\"b").hasJsonEscapedCharacter());
        assertTrue(AccessToken.of("\\").hasJsonEscapedCharacter());
    }

    @Test
    void fromFile_firstLine_isUsedAndTrimmed() throws Exception {
        Path f = tmp.resolve("token");
        Files.writeString(f, "  syt_fromfile \nsecond line\n", StandardCharsets.UTF_8);
        assertEquals("Bearer syt_fromfile", AccessToken.fromFile(f).bearer());
    }

    @Test
    void fromFile_justOverTheCap_refusedNamingFileAndLimit() throws Exception {
        Path f = tmp.resolve("token");
        Files.writeString(f, "syt_fromfile\n" + " ".repeat(AccessToken.MAX_FILE_SIZE - 12), StandardCharsets.UTF_8);
        assertEquals(AccessToken.MAX_FILE_SIZE + 1, Files.size(f));
        StoreException e = assertThrows(StoreException.class, () -> AccessToken.fromFile(f));
        assertEquals("access token file " + f + ": over the limit of " + AccessToken.MAX_FILE_SIZE
                + " bytes (it holds one token)", e.getMessage());
    }

    @Test
    void fromFile_atTheCap_firstLineUsed() throws Exception {
        Path f = tmp.resolve("token");
        Files.writeString(f, "syt_fromfile\r\n" + " ".repeat(AccessToken.MAX_FILE_SIZE - 14), StandardCharsets.UTF_8);
        assertEquals(AccessToken.MAX_FILE_SIZE, Files.size(f));
        assertEquals("Bearer syt_fromfile", AccessToken.fromFile(f).bearer());
    }

    @Test
    void fromFile_longestTokenWithoutNewline_accepted() throws Exception {
        Path f = tmp.resolve("token");
        Files.writeString(f, "t".repeat(AccessToken.MAX_LENGTH), StandardCharsets.UTF_8);
        assertEquals("Bearer " + "t".repeat(AccessToken.MAX_LENGTH), AccessToken.fromFile(f).bearer());
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

    @Test
    void redact_piecesOfEightOrMore_replacedShorterKept() {
        AccessToken t = AccessToken.of("syt_YWxpY2U_secretPart_4711");
        assertEquals("a [redacted] b [redacted] c", t.redact("a YWxpY2U_ b syt_YWxpY2U_secretPart_4711 c"));
        assertEquals("seven YWxpY2U and secretP kept", t.redact("seven YWxpY2U and secretP kept"));
        assertEquals("M_[redacted]: [redacted]", t.redact("M_syt_YWxpY2U_se: cretPart_4711"));
        String plain = "nothing of it here";
        assertTrue(plain == t.redact(plain), "unchanged text is returned as is");
        // a token shorter than a piece is removed only whole
        assertEquals("bad [redacted] here, tok12 kept", AccessToken.of("tok123").redact("bad tok123 here, tok12 kept"));
    }

    @Test
    void redact_piecesNextToEachOther_oneMarker() {
        AccessToken t = AccessToken.of("abcdefghijklmnop");
        assertEquals("x[redacted]y", t.redact("xabcdefghijklmnopabcdefghy"));
        assertEquals("[redacted]", t.redact("ijklmnopabcdefgh"));
    }

    @Test
    void redact_largeText_everyOccurrence() {
        AccessToken t = AccessToken.of("syt_YWxpY2U_secretPart_4711");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100_000; i++) sb.append("room ").append(i).append(i % 1000 == 0 ? " cretPart_47 " : " ");
        String r = t.redact(sb.toString());
        assertFalse(r.contains("cretPart"));
        assertEquals(100, r.split("\\[redacted\\]", -1).length - 1);
    }
    /**
     * Against a plain reference, on generated tokens and texts (pieces of the token planted, visible ASCII around
     * them, and text over a small alphabet so that near-misses are common): a text holds a piece of the token
     * exactly when some run of {@link AccessToken#FRAGMENT} of its characters is a substring of the token, and
     * the redacted text then differs from the text and holds no such run outside its markers. Whatever shortcut the lookup takes,
     * it must miss no piece and invent none.
     */
    @Test
    void redact_generatedTexts_sameAnswerAsAPlainSubstringSearch() {
        java.util.Random r = new java.util.Random(4048);
        for (int round = 0; round < 3000; round++) {
            String alphabet = round % 2 == 0 ? "ab"
                    : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
            String token = random(r, alphabet, 1 + r.nextInt(round % 3 == 0 ? 12 : 60));
            AccessToken t = AccessToken.of(token);
            StringBuilder text = new StringBuilder(random(r, alphabet + " \"\u00e9", r.nextInt(200)));
            if (r.nextBoolean()) {
                int from = r.nextInt(token.length());
                int to = Math.min(token.length(), from + 1 + r.nextInt(AccessToken.FRAGMENT + 4));
                text.insert(r.nextInt(text.length() + 1), token, from, to);
            }
            String s = text.toString();
            String redacted = t.redact(s);
            boolean holds = holdsPiece(token, s);
            assertEquals(holds, redacted != s, "token " + token + ", text " + s);
            String outside = redacted.replace("[redacted]", " "); // the marker itself may hold a short token
            assertFalse(holdsPiece(token, outside), "token " + token + ", text " + s + ", redacted " + redacted);
        }
    }

    private static String random(java.util.Random r, String alphabet, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return sb.toString();
    }

    /** Whether some run of FRAGMENT characters of {@code text} (all of the token if shorter) is in {@code token}. */
    private static boolean holdsPiece(String token, String text) {
        int k = Math.min(AccessToken.FRAGMENT, token.length());
        for (int i = 0; i + k <= text.length(); i++) {
            if (token.contains(text.substring(i, i + k))) return true;
        }
        return false;
    }
}
