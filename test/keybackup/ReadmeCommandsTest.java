package keybackup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README runs as written: every {@code ```sh} block of README.md, in order, pasted into one bash in a
 * fresh directory with the project's {@code bin/} on PATH (as the set-up says), against the local store,
 * ends with exit 0. A block that needs a homeserver, a terminal or a rebuild is marked
 * {@code ```sh not-run: WHY} and only checked to give a reason. The number of run blocks is pinned, so a
 * changed marker cannot make this test silently run nothing.
 */
@Timeout(600)
class ReadmeCommandsTest {
    /** The README's runnable blocks: building blocks, working with an account, the encrypted export. */
    private static final int RUN_BLOCKS = 3;

    @TempDir
    Path dir;

    record Block(int line, String info, String text) {}

    static List<Block> blocks(List<String> readme) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            String l = readme.get(i);
            if (!l.startsWith("```sh")) continue;
            int start = i;
            StringBuilder text = new StringBuilder();
            for (i++; i < readme.size() && !readme.get(i).equals("```"); i++) text.append(readme.get(i)).append('\n');
            if (i == readme.size()) throw new AssertionError("README.md:" + (start + 1) + ": unclosed ```sh block");
            blocks.add(new Block(start + 1, l.substring(5).strip(), text.toString()));
        }
        return blocks;
    }

    @Test
    void readme_shellBlocks_runInOrderInAFreshDirectory() throws IOException, InterruptedException {
        Path project = Path.of("").toAbsolutePath();
        List<Block> all = blocks(Files.readAllLines(project.resolve("README.md"), StandardCharsets.UTF_8));
        StringBuilder script = new StringBuilder("set -eo pipefail\n");
        int run = 0;
        for (Block b : all) {
            if (b.info().isEmpty()) {
                run++;
                script.append("echo '### README.md:").append(b.line()).append("' >&2\n").append(b.text());
            } else {
                assertTrue(b.info().matches("not-run: \\S.*"), "README.md:" + b.line()
                        + ": a block is ```sh or ```sh not-run: WHY, not ```sh " + b.info());
            }
        }
        assertEquals(RUN_BLOCKS, run, "runnable ```sh blocks in README.md (pinned: update RUN_BLOCKS when adding one)");
        Path file = Files.writeString(dir.resolve("readme.sh"), script);
        Path work = Files.createDirectory(dir.resolve("fresh"));
        ProcessBuilder pb =
                new ProcessBuilder("bash", file.toString()).directory(work.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", project.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().remove("KEYBACKUP_ACCESS_TOKEN");
        Process p = pb.start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        String tail = output.length() > 4000 ? output.substring(output.length() - 4000) : output;
        assertEquals(0, code, "the README's commands failed; the last block started is marked ### README.md:LINE\n"
                + tail);
        // the account block's audit printed its table over the five keys
        assertTrue(output.contains("total 5: "), tail);
    }
}
