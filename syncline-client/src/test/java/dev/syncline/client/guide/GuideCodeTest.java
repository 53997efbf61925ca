package dev.syncline.client.guide;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the Java code of {@code docs/guide.md} honest: every statement of every {@code ```java}
 * block (whitespace and comments aside) must occur in one of the guide's test sources, which the
 * build compiles and runs. A block may opt out with {@code <!-- not-compiled: reason -->} on the
 * line before its fence, for a stated reason.
 *
 * <p>The sources searched, relative to the repository root: {@link #GUIDE_SOURCES}.
 */
class GuideCodeTest {
    /** Files and folders (searched for {@code .java} files) the guide's code is copied from. */
    static final List<String> GUIDE_SOURCES = List.of(
            "syncline-client/src/test/java/dev/syncline/client/guide",
            "syncline-testkit/src/test/java/dev/syncline/testkit/sync/SyncGuideTest.java",
            "syncline-testkit/src/test/java/dev/syncline/testkit/sync/TokensGuideTest.java",
            "syncline-examples/src/test/java/dev/syncline/examples");

    private static final Pattern BLOCK_COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);
    // "//" after a space or at a line's start: keeps "https://..." inside string literals.
    private static final Pattern LINE_COMMENT = Pattern.compile("(?m)(^|\\s)//.*$");
    private static final Pattern ELLIPSIS_LINE = Pattern.compile("(?m)^\\s*\\.\\.\\.\\s*$");
    private static final Pattern OPT_OUT = Pattern.compile("<!--\\s*not-compiled:\\s*\\S.*-->");

    /** A {@code ```java} block of the guide: the line its code starts on, and the code. */
    record Block(int line, String code) {
    }

    @Test
    void everyStatementOfTheGuidesJavaBlocks_occursInAGuideTestSource() {
        Path root = repositoryRoot();
        String sources = normalise(readSources(root));
        List<Block> blocks = javaBlocks(read(root.resolve("docs/guide.md")));
        assertThat(blocks).as("java blocks in docs/guide.md").isNotEmpty();

        assertThat(blocks.stream().flatMap(b -> missing(b, sources).stream()).toList())
                .as("statements of docs/guide.md found in none of %s (fix the guide or the test it is copied from)",
                        GUIDE_SOURCES)
                .isEmpty();
    }

    @Test
    void aChangedStatement_isFlagged_andAnOptedOutBlockIsSkipped() {
        String sources = normalise("""
                try (SyncClient client = SyncClient.builder()
                        .register(PROJECTS).build()) {   // a comment
                    projects.save(new Project("p-42", "team-1", "Debut album"));
                }
                """);
        String guide = """
                ```java
                SyncClient client = SyncClient.builder()
                        .register(PROJECTS)   // other comment
                        .build();
                ...
                projects.save(new Project("p-42", "team-1", "Debut album (changed)"));
                ```

                <!-- not-compiled: shows a placeholder -->
                ```java
                whatever(notInTheSources);
                ```
                """;
        List<Block> blocks = javaBlocks(guide);

        assertThat(blocks).hasSize(1);
        assertThat(missing(blocks.get(0), sources))
                .containsExactly("docs/guide.md line 2: projects.save(newProject(\"p-42\",\"team-1\",\"Debutalbum(changed)\"))");
    }

    /** The guide's java blocks that did not opt out, in order. */
    static List<Block> javaBlocks(String markdown) {
        List<Block> blocks = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        String previous = "";
        for (int i = 0; i < lines.length; i++) {
            String trimmed = lines[i].trim();
            if (trimmed.equals("```java")) {
                int start = i + 1;
                StringBuilder code = new StringBuilder();
                for (i = i + 1; i < lines.length && !lines[i].trim().equals("```"); i++) {
                    code.append(lines[i]).append('\n');
                }
                if (!OPT_OUT.matcher(previous).matches()) {
                    blocks.add(new Block(start + 1, code.toString()));
                }
                previous = "";
            } else if (!trimmed.isEmpty()) {
                previous = trimmed;
            }
        }
        return blocks;
    }

    /** The statements of a block (split at ';', '{' and '}', normalised) that no source contains. */
    static List<String> missing(Block block, String normalisedSources) {
        String code = ELLIPSIS_LINE.matcher(stripComments(block.code())).replaceAll("");
        List<String> missing = new ArrayList<>();
        for (String statement : code.split("[;{}]")) {
            String normalised = statement.replaceAll("\\s+", "");
            if (normalised.chars().anyMatch(Character::isLetterOrDigit) && !normalisedSources.contains(normalised)) {
                missing.add("docs/guide.md line " + block.line() + ": " + normalised);
            }
        }
        return missing;
    }

    static String normalise(String source) {
        return stripComments(source).replaceAll("\\s+", "");
    }

    private static String stripComments(String code) {
        return LINE_COMMENT.matcher(BLOCK_COMMENT.matcher(code).replaceAll(" ")).replaceAll("$1");
    }

    private static String readSources(Path root) {
        StringBuilder all = new StringBuilder();
        for (String source : GUIDE_SOURCES) {
            Path path = root.resolve(source);
            assertThat(path).as("guide source %s", source).exists();
            try (Stream<Path> files = Files.isDirectory(path) ? Files.walk(path) : Stream.of(path)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().collect(Collectors.toList())) {
                    all.append(read(file)).append("\n;\n"); // a statement never spans two files
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all.toString();
    }

    private static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("docs/guide.md")) && Files.exists(p.resolve("syncline-client"))) {
                return p;
            }
        }
        throw new AssertionError("no docs/guide.md above " + here);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
