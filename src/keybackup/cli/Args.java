package keybackup.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed options of one command: {@code --name value}, {@code --flag}, and repeatable options. Unknown
 * options, missing values and stray arguments are usage errors.
 */
final class Args {
    private final Map<String, List<String>> values = new HashMap<>();

    /**
     * @param valued options that take a value (without the leading "--")
     * @param flags options without a value
     */
    Args(List<String> argv, Set<String> valued, Set<String> flags) throws UsageException {
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (!a.startsWith("--")) throw new UsageException("unexpected argument '" + a + "'");
            String name = a.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name) && inline == null) {
                values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (valued.contains(name)) {
                String v = inline;
                if (v == null) {
                    if (i + 1 >= argv.size()) throw new UsageException("option --" + name + " needs a value");
                    v = argv.get(++i);
                }
                values.computeIfAbsent(name, k -> new ArrayList<>()).add(v);
            } else {
                throw new UsageException("unknown option --" + name);
            }
        }
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    /** The single value of an optional option, or null. */
    String optional(String name) throws UsageException {
        List<String> v = values.get(name);
        if (v == null) return null;
        if (v.size() > 1) throw new UsageException("option --" + name + " given more than once");
        return v.get(0);
    }

    String required(String name) throws UsageException {
        String v = optional(name);
        if (v == null) throw new UsageException("missing option --" + name);
        return v;
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }
}
