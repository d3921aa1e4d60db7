package keybackup.homeserver;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The user id grammar (spec appendix, user identifiers), checked in {@link UserId} only. */
class UserIdTest {
    @Test
    void problem_validIds_null() {
        for (String ok : List.of("@alice:example.org", "@a:b", "@alice:example.org:8448", "@alice:1.2.3.4", "@alice:[::1]",
                "@alice:[2001:db8::1]:443", "@Alice.O'Brien!=_/+-:matrix.org", "@" + "a".repeat(240) + ":example.org")) {
            assertNull(UserId.problem(ok), ok);
        }
    }

    @Test
    void problem_invalidIds_reason() {
        for (String bad : List.of("", "alice", "alice:example.org", "@alice", "@:example.org", "@alice:", "@al ice:example.org",
                "@alice:exa_mple.org", "@alice:example.org:", "@alice:example.org:123456", "@alice:example.org:84x8", "@alice:[::1",
                "@alice:[zz::1]", "@alice:[::1]x", "@ali\u00e9:example.org", "@alice:ex\u00e4mple.org", "@alice:example.org\n",
                "@" + "a".repeat(250) + ":example.org")) {
            assertNotNull(UserId.problem(bad), bad);
        }
        assertNotNull(UserId.problem(null));
    }

    @Test
    void connect_invalidUserId_refused() {
        assertThrows(IllegalArgumentException.class,
                () -> HomeserverClient.connect(URI.create("https://example.org"), "@alice:exa mple.org", AccessToken.of("t")));
    }
}
