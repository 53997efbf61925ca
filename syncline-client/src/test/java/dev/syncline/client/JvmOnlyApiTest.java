package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The client runs where the JDK's own extras are missing (Android has no {@code java.net.http},
 * no {@code java.util.random} and, below API 30, no {@code java.util.concurrent.Flow}): those
 * APIs may appear only in the JVM implementations of the storage and transport seams and in the
 * optional adapters. This scans the client's main sources, so a new use anywhere else fails here
 * with the file and line.
 */
class JvmOnlyApiTest {
    private static final Pattern JDK_ONLY = Pattern.compile(
            "\\bjava\\.net\\.http\\b|\\bjava\\.util\\.random\\b|\\bjava\\.util\\.concurrent\\.Flow\\b"
                    + "|\\bRandomGenerator\\b|(?<![\\w.])Flow\\.(Publisher|Subscriber|Subscription|Processor)\\b");
    /**
     * Where they are allowed: the JVM implementations, the adapters, and the module descriptor
     * (read only by a JVM's module system; Android ignores it).
     */
    private static final List<String> ALLOWED = List.of(
            "module-info.java",
            "dev/syncline/client/transport/jdk/",
            "dev/syncline/client/internal/store/jdbc/",
            "dev/syncline/client/flow/");

    @Test
    void jdkOnlyApis_appearOnlyInJvmImplementationsAndAdapters() throws IOException {
        Path root = Path.of("src/main/java");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String rel = root.relativize(file).toString().replace('\\', '/');
                if (ALLOWED.stream().anyMatch(rel::startsWith)) {
                    continue;
                }
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String code = lines.get(i).replaceAll("//.*$", "");
                    if (code.trim().startsWith("*") || code.trim().startsWith("/*")) {
                        continue; // javadoc may name them
                    }
                    Matcher m = JDK_ONLY.matcher(code);
                    if (m.find()) {
                        found.add(rel + ":" + (i + 1) + ": " + m.group());
                    }
                }
            }
        }
        assertThat(found).as("JDK-only APIs outside %s", ALLOWED).isEmpty();
    }

    @Test
    void theScanFindsAUse_soItCannotPassByReadingNothing() throws IOException {
        assertThat(Files.isDirectory(Path.of("src/main/java/dev/syncline/client"))).isTrue();
        assertThat(JDK_ONLY.matcher("import java.net.http.HttpClient;").find()).isTrue();
        assertThat(JDK_ONLY.matcher("Flow.Publisher<String> p;").find()).isTrue();
        assertThat(JDK_ONLY.matcher("RandomGenerator r;").find()).isTrue();
        assertThat(JDK_ONLY.matcher("WorkFlow.Publisher x; // not it").find()).isFalse();
    }
}
