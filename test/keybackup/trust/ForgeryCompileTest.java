package keybackup.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Only the verifier makes trust", checked the way a library caller meets it: small programs in another
 * package are compiled against the built classes. Each one that builds something saying
 * "authenticated" or "trusted" must fail to compile on that constructor; a control that uses the public
 * API must compile, so the harness itself can fail.
 */
class ForgeryCompileTest {
    @TempDir
    Path dir;

    private static final String IMPORTS = "package outside;\n"
            + "import keybackup.trust.*;\nimport keybackup.backup.*;\nimport keybackup.json.*;\nimport keybackup.keys.*;\nimport java.util.*;\n";

    /** Compiles one class {@code outside.Caller} with {@code body} as its method; returns the error messages. */
    private List<String> compile(String body) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK compiler is needed for this test");
        Path src = dir.resolve("src/outside/Caller.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, IMPORTS + "public class Caller {\n" + body + "\n}\n", StandardCharsets.UTF_8);
        Path out = Files.createDirectories(dir.resolve("out"));
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT,
                StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjects(src.toFile());
            List<String> options = List.of("--release", "17", "-classpath",
                    Path.of("build", "classes").toAbsolutePath().toString(),
                    "-d", out.toString(), "-implicit:none", "-proc:none", "-Xlint:none");
            javac.getTask(null, files, diagnostics, options, null, units).call();
        }
        return diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> d.getMessage(Locale.ROOT)).collect(Collectors.toList());
    }

    private void assertConstructorHidden(String body, String constructor) throws Exception {
        List<String> errors = compile(body);
        assertFalse(errors.isEmpty(), "compiled, but should not: " + body);
        assertTrue(errors.stream().anyMatch(e -> e.contains(constructor + "(") && e.contains("not public")),
                "expected the " + constructor + " constructor to be out of reach; errors: " + errors);
    }

    @Test
    void publicApiControl_compiles() throws Exception {
        // The same kinds of objects, obtained the only legitimate way: resolve, then verify.
        List<String> errors = compile("static SessionVerdict use(Json.Obj version, Json.Obj keysQuery, BackupDecryptionKey key, Json.Obj kbd) {\n"
                + "  TrustAnchors anchors = new TrustAnchors(\"@a:b\", List.of(new TrustAnchors.DeviceAsPublished(\"D\")));\n"
                + "  AuthDataTrust t = TrustResolver.resolve(version, OwnIdentity.fromKeysQuery(\"@a:b\", keysQuery), anchors);\n"
                + "  if (t instanceof AuthDataTrust.Usable u) { TrustedBackupKey k = u.key(); k.keyId(); }\n"
                + "  SessionVerifier.Result r = new SessionVerifier(t, key).verify(\"!r\", \"s\", kbd);\n"
                + "  if (r.verdict() instanceof SessionVerdict.Authenticated a) a.signer();\n"
                + "  return r.verdict();\n}");
        assertEquals(List.of(), errors);
    }

    @Test
    void authenticatedVerdict_cannotBeConstructedOutside() throws Exception {
        assertConstructorHidden("static Object forge(TrustedBackupKey k) { return new "
                + "SessionVerdict.Authenticated(k); }", "Authenticated");
    }

    @Test
    void otherVerdicts_cannotBeConstructedOutside() throws Exception {
        assertConstructorHidden("static Object forge(TrustedBackupKey k) { return new "
                + "SessionVerdict.SignedNotAuthenticated(k, Reason.FLAG_FALSE); }",
                "SignedNotAuthenticated");
        assertConstructorHidden("static Object forge() { return new "
                + "SessionVerdict.Unauthenticated(Reason.SIGNATURE_MISSING, \"x\"); }", "Unauthenticated");
        assertConstructorHidden("static Object forge() { return new SessionVerdict.Rejected(Reason.DECRYPTION_FAILED, "
                + "\"x\"); }", "Rejected");
    }

    @Test
    void verifierResult_cannotBeConstructedOutside() throws Exception {
        assertConstructorHidden("static Object forge(SessionVerdict v, SessionData d) { return new "
                + "SessionVerifier.Result(\"!r\", \"s\", v, d, true); }",
                "Result");
    }

    @Test
    void trustedBackupKey_cannotBeConstructedOutside() throws Exception {
        assertConstructorHidden("static Object forge(Ed25519PublicKey k) { return new TrustedBackupKey(\"@a:b\", "
                + "k.toBase64(), k, List.of()); }",
                "TrustedBackupKey");
    }

    @Test
    void usableAuthDataTrust_cannotBeConstructedOutside() throws Exception {
        assertConstructorHidden("static Object forge(AuthData a, TrustedBackupKey k) {"
                + " return new AuthDataTrust.Usable(Json.obj(), a, List.of(), k); }",
                "Usable");
        assertConstructorHidden("static Object forge(AuthData a) {"
                + " return new AuthDataTrust.TrustedWithoutKey(Json.obj(), a, List.of(), "
                + "List.of(new AuthDataTrust.TrustedVia(AuthDataTrust.Via.MASTER_KEY, \"ed25519:x\")), \"x\"); }", "TrustedWithoutKey");
    }

    @Test
    void sealedOutcomes_cannotBeImplementedOutside() throws Exception {
        for (String type : List.of("SessionVerdict", "AuthDataTrust")) {
            List<String> errors = compile("static abstract class Fake implements " + type + " {}");
            assertTrue(errors.stream().anyMatch(e -> e.contains("sealed")), type + ": " + errors);
        }
    }

    @Test
    void theTestCompilesAgainstTheBuiltClasses() {
        assertTrue(new File("build/classes/keybackup/trust/SessionVerdict.class").isFile(),
                "run from the project root after make");
    }
}
