package dev.syncline.client.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Source scans of the client's main code for the storage layer's rules: each table has one
 * class that writes it, outbox states are never spelled as SQL literals, and only the JVM
 * storage driver touches JDBC.
 */
class StorageBoundariesTest {
    private static final Path MAIN = Path.of("src/main/java/dev/syncline/client");
    private static final String STORE = "internal/store/";

    /** The one class that issues INSERT, UPDATE and DELETE on each table. */
    private static final Map<String, String> OWNERS = Map.ofEntries(
            Map.entry("documents", STORE + "DocumentsTable.java"),
            Map.entry("outbox", "internal/outbox/Outbox.java"),
            Map.entry("conflicts", STORE + "SyncTables.java"),
            Map.entry("cursors", STORE + "SyncTables.java"),
            Map.entry("pull_progress", STORE + "SyncTables.java"),
            Map.entry("deferred_changes", STORE + "SyncTables.java"),
            Map.entry("conflict_log", STORE + "LogTables.java"),
            Map.entry("discard_log", STORE + "LogTables.java"),
            Map.entry("meta", STORE + "LocalStore.java"),
            Map.entry("type_policies", STORE + "LocalStore.java"),
            Map.entry("field_indexes", STORE + "LocalStore.java"));

    /** The schema itself, which creates and migrates every table. */
    private static final String SCHEMA = STORE + "Migrations.java";

    private static final Pattern LITERAL = Pattern.compile("\"\"\"(.*?)\"\"\"|\"((?:[^\"\\\\\\n]|\\\\.)*)\"", Pattern.DOTALL);
    private static final Pattern WRITE = Pattern.compile(
            "\\b(INSERT(?:\\s+OR\\s+[A-Z]+)?\\s+INTO|UPDATE|DELETE\\s+FROM|REPLACE\\s+INTO)(?:\\s+([A-Za-z_\"]+)|\\s*$)");
    private static final Pattern STATE_LITERAL = Pattern.compile("\\bstate\\s*(?:=|<>|!=|IN\\s*\\()\\s*'");
    private static final Pattern OUTBOX_STATE_WORD = Pattern.compile("'(pending|in_flight|done|failed)'");

    private static Map<String, String> sources() throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                out.put(MAIN.relativize(p).toString().replace('\\', '/'), Files.readString(p));
            }
        }
        assertThat(out).as("main sources found from " + MAIN.toAbsolutePath()).containsKey(SCHEMA);
        return out;
    }

    private static List<String> literals(String source) {
        List<String> out = new ArrayList<>();
        Matcher m = LITERAL.matcher(source);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return out;
    }

    @Test
    void everyTableOfTheSchema_hasAnOwner() throws IOException {
        Set<String> created = new TreeSet<>();
        Matcher m = Pattern.compile("CREATE TABLE (\\w+)").matcher(sources().get(SCHEMA));
        while (m.find()) {
            created.add(m.group(1));
        }
        assertThat(created).isNotEmpty();
        assertThat(OWNERS.keySet()).containsExactlyInAnyOrderElementsOf(created);
    }

    @Test
    void onlyATablesOwner_insertsUpdatesOrDeletesItsRows() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, String> file : sources().entrySet()) {
            if (file.getKey().equals(SCHEMA)) {
                continue;
            }
            for (String literal : literals(file.getValue())) {
                Matcher m = WRITE.matcher(literal);
                while (m.find()) {
                    String table = m.group(2) == null ? null : m.group(2).replace("\"", "");
                    if (table == null) {
                        violations.add(file.getKey() + ": a write to a table named at run time: \"" + literal + "\"");
                    } else if (table.equals("SET")) {
                        continue; // ON CONFLICT ... DO UPDATE SET: the statement's own table
                    } else if (!OWNERS.containsKey(table)) {
                        violations.add(file.getKey() + ": a write to unknown table " + table + ": \"" + literal + "\"");
                    } else if (!OWNERS.get(table).equals(file.getKey())) {
                        violations.add(file.getKey() + " writes " + table + " (owned by " + OWNERS.get(table) + "): \""
                                + literal + "\"");
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void outboxStates_areNeverSqlLiterals() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, String> file : sources().entrySet()) {
            if (file.getKey().equals(SCHEMA)) {
                continue; // released migrations are never edited
            }
            for (String literal : literals(file.getValue())) {
                boolean outbox = file.getKey().startsWith("internal/outbox/");
                if (STATE_LITERAL.matcher(literal).find() || (outbox && OUTBOX_STATE_WORD.matcher(literal).find())) {
                    violations.add(file.getKey() + ": \"" + literal + "\"");
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void onlyTheJvmDriver_usesJdbcOrXerial() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, String> file : sources().entrySet()) {
            if (file.getKey().startsWith(STORE + "jdbc/")) {
                continue;
            }
            if (Pattern.compile("\\bjava\\.sql\\.[A-Z]|\\borg\\.sqlite\\b").matcher(file.getValue()).find()) {
                violations.add(file.getKey());
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void theStorageSpi_namesNoJdbcType() throws IOException {
        for (Map.Entry<String, String> file : sources().entrySet()) {
            if (file.getKey().startsWith("spi/storage/")) {
                assertThat(file.getValue()).as(file.getKey()).doesNotContainPattern("import java\\.sql|org\\.sqlite");
            }
        }
    }
}
