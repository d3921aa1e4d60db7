package keybackup.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Rows of strings put in order in bounded memory (the audit of a million keys within the CLI's heap). Rows are
 * kept {@code runRows} at a time; each full batch is sorted and written to its own owner-only temporary file (a
 * run), and {@link #sorted()} merges the runs. Rows that compare equal stay in the order they were added (the
 * batch sort is stable, and the merge takes, of equal rows, the one from the earliest run), so the result is
 * exactly {@link List#sort} over all the rows at once.
 *
 * <p>At most {@code fanIn} runs are read at once (one open file and buffer each); more are first merged in
 * groups of consecutive runs, which keeps equal rows in order. A run's file is removed once it has been read
 * through, every file on {@link #close()}, and, if the JVM is stopped first (Ctrl-C), by its exit.
 */
final class ExternalSort implements AutoCloseable {
    /** Rows per run: an audit's rows take a few hundred bytes each in memory. */
    static final int RUN_ROWS = 50_000;
    /**
     * Characters per run, whatever the number of rows: ids come from the server, and a batch of very long ones
     * must not fill the heap (8 Mi chars: at most 16 MiB of text waiting).
     */
    static final long RUN_CHARS = 8L << 20;
    /** Runs read at once. */
    static final int FAN_IN = 64;

    private static final String PREFIX = "keybackup-sort-";
    private static final int BUFFER = 1 << 16;
    /** Characters per {@link DataOutputStream#writeUTF} piece: at most 3 bytes each, within its 65535 bytes. */
    private static final int PIECE = 16_384;

    /** The rows in order, one at a time. */
    interface Rows {
        /** The next row; null after the last. */
        String[] next() throws IOException;
    }

    private record Run(Path file, long rows) {}

    private record Head(String[] row, int run, Rows rest) {}

    private final Path dir;
    private final Comparator<String[]> order;
    private final int runRows;
    private final int fanIn;
    private final List<String[]> batch = new ArrayList<>();
    /** Characters in {@link #batch}. */
    private long batchChars;
    private List<Run> runs = new ArrayList<>();
    /** Every file made, for {@link #close()}. */
    private final List<Path> files = new ArrayList<>();
    /** Every run being read, for {@link #close()}. */
    private final List<DataInputStream> reading = new ArrayList<>();
    private boolean read;

    /** Rows in {@code order}, in {@code java.io.tmpdir}. */
    ExternalSort(Comparator<String[]> order) {
        this(null, order, RUN_ROWS, FAN_IN);
    }

    /**
     * @param dir where the runs go; null for {@code java.io.tmpdir}
     * @param runRows rows per run, at least 1 (tests make many runs of few rows)
     * @param fanIn runs read at once, at least 2
     */
    ExternalSort(Path dir, Comparator<String[]> order, int runRows, int fanIn) {
        if (runRows < 1 || fanIn < 2) throw new IllegalArgumentException("runRows >= 1 and fanIn >= 2");
        this.dir = dir;
        this.order = order;
        this.runRows = runRows;
        this.fanIn = fanIn;
    }

    /**
     * Takes one row (its cells may be null); written to a run once {@code runRows} rows or {@link #RUN_CHARS}
     * characters are waiting.
     */
    void add(String... row) throws IOException {
        if (read) throw new IllegalStateException("a row added after the rows were read");
        batch.add(row);
        for (String cell : row) batchChars += cell == null ? 0 : cell.length();
        if (batch.size() == runRows || batchChars >= RUN_CHARS) spill();
    }

    /** The rows added, in order; call it once, after the last {@link #add}. */
    Rows sorted() throws IOException {
        if (read) throw new IllegalStateException("the rows were read already");
        read = true;
        if (runs.isEmpty()) { // they all fit in one batch: no file
            batch.sort(order);
            return rows(batch.iterator());
        }
        if (!batch.isEmpty()) spill();
        while (runs.size() > fanIn) {
            List<Run> fewer = new ArrayList<>();
            for (int i = 0; i < runs.size(); i += fanIn) {
                List<Run> group = runs.subList(i, Math.min(runs.size(), i + fanIn));
                fewer.add(group.size() == 1 ? group.get(0) : write(merge(group)));
            }
            runs = fewer;
        }
        return merge(runs);
    }

    /** Removes every file; the rows cannot be read afterwards. */
    @Override
    public void close() throws IOException {
        IOException failed = null;
        for (DataInputStream in : reading) {
            try {
                in.close();
            } catch (IOException e) {
                failed = e;
            }
        }
        reading.clear();
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                failed = e;
            }
        }
        files.clear();
        batch.clear();
        batchChars = 0;
        if (failed != null) throw failed;
    }

    /** The batch, sorted, as a new run. */
    private void spill() throws IOException {
        batch.sort(order);
        runs.add(write(rows(batch.iterator())));
        batch.clear();
        batchChars = 0;
    }

    private static Rows rows(Iterator<String[]> it) {
        return () -> it.hasNext() ? it.next() : null;
    }

    /** One pass over {@code group}: the smallest head first, and of equal heads the one of the earliest run. */
    private Rows merge(List<Run> group) throws IOException {
        PriorityQueue<Head> heads = new PriorityQueue<>(group.size(), (a, b) -> {
            int c = order.compare(a.row(), b.row());
            return c != 0 ? c : Integer.compare(a.run(), b.run());
        });
        for (int i = 0; i < group.size(); i++) {
            Rows rest = open(group.get(i));
            String[] first = rest.next();
            if (first != null) heads.add(new Head(first, i, rest));
        }
        return () -> {
            Head h = heads.poll();
            if (h == null) return null;
            String[] next = h.rest().next();
            if (next != null) heads.add(new Head(next, h.run(), h.rest()));
            return h.row();
        };
    }

    private Run write(Rows rows) throws IOException {
        Path file;
        try {
            file = TempFiles.createOwnerOnly(dir, PREFIX);
        } catch (IOException e) {
            throw whereRowsGo(e);
        }
        files.add(file);
        file.toFile().deleteOnExit(); // Ctrl-C before close(): the JVM's exit removes it
        long n = 0;
        // Reopened by name: never through a link someone put in its place (a directory without the sticky bit).
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file,
                LinkOption.NOFOLLOW_LINKS, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING), BUFFER))) {
            for (String[] row; (row = rows.next()) != null; n++) writeRow(out, row);
        } catch (IOException e) {
            throw whereRowsGo(e);
        }
        return new Run(file, n);
    }

    /** A failure to write the rows, said with where they go and how to move them (a full or small /tmp). */
    private IOException whereRowsGo(IOException e) {
        String where = dir != null ? dir.toString() : System.getProperty("java.io.tmpdir");
        return new IOException("the audit's temporary row files in " + where + ": " + e.getMessage()
                + " (about 100 bytes a key; free space there, or choose another folder with "
                + "KEYBACKUP_JAVA_OPTS=-Djava.io.tmpdir=DIR)", e);
    }

    /** The run's rows; its file is closed and removed after the last. */
    private Rows open(Run run) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(run.file(),
                LinkOption.NOFOLLOW_LINKS), BUFFER));
        reading.add(in);
        long[] left = {run.rows()};
        return () -> {
            if (left[0] == 0) return null;
            String[] row = readRow(in);
            if (--left[0] == 0) {
                in.close();
                reading.remove(in);
                Files.deleteIfExists(run.file());
            }
            return row;
        };
    }

    /** The number of cells, then each cell: -1 for null, else its length in chars and its text in pieces. */
    private static void writeRow(DataOutputStream out, String[] row) throws IOException {
        out.writeInt(row.length);
        for (String cell : row) {
            if (cell == null) {
                out.writeInt(-1);
                continue;
            }
            out.writeInt(cell.length());
            // modified UTF-8 encodes every char on its own: any string, lone surrogates too, comes back exactly
            for (int i = 0; i < cell.length(); i += PIECE) {
                out.writeUTF(cell.substring(i, Math.min(cell.length(), i + PIECE)));
            }
        }
    }

    /** A row as {@link #writeRow} wrote it; a damaged file is an error, never an allocation its bytes choose. */
    private static String[] readRow(DataInputStream in) throws IOException {
        int cells = in.readInt();
        if (cells < 0 || cells > MAX_CELLS) throw damaged();
        String[] row = new String[cells];
        for (int i = 0; i < row.length; i++) {
            int n = in.readInt();
            if (n < -1) throw damaged();
            if (n == -1) continue;
            StringBuilder sb = new StringBuilder(Math.min(n, PIECE));
            while (sb.length() < n) sb.append(in.readUTF());
            if (sb.length() != n) throw damaged();
            row[i] = sb.toString();
        }
        return row;
    }

    /** More cells than any row has (the audit's rows have five at most). */
    private static final int MAX_CELLS = 64;

    private static IOException damaged() {
        return new IOException("a temporary row file of the audit is damaged (changed while the audit ran?)");
    }
}
