package keybackup.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's reading path of the trust decision names real files with their real line counts. */
class ReadingPathTest {
    @Test
    void readme_readingPathLineCounts_matchTheFiles() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        // table rows "| n | `File.java` | lines | ..." and inline "(`File.java`, lines)"
        Pattern row = Pattern.compile("\\| \\d+ \\| `(\\w+\\.java)` \\| (\\d+) \\|");
        Pattern inline = Pattern.compile("`(\\w+\\.java)`, (\\d+)\\)");
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Pattern p : List.of(row, inline)) {
            Matcher m = p.matcher(readme);
            while (m.find()) {
                Path file = Path.of("src/keybackup/trust", m.group(1));
                long lines = Files.exists(file) ? Files.readAllLines(file).size() : -1;
                if (lines != Long.parseLong(m.group(2))) {
                    failures.add(m.group(1) + ": README says " + m.group(2) + ", file has " + lines);
                }
                checked++;
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(9, checked, "the reading path lists nine files");
        assertTrue(readme.contains("AuthData → signing key → SessionData → verdict"));
    }
}
