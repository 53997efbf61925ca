package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No internal type in the public API: the public and protected members of the client's API
 * packages (the top package and the storage SPI) name no {@code .internal} type, in their
 * signatures, thrown exceptions or javadoc {@code @throws}.
 */
class PublicApiTypesTest {
    private static final Path CLASSES = Path.of("target/classes");
    private static final List<String> API = List.of("dev/syncline/client", "dev/syncline/client/spi/storage");

    private static List<Class<?>> apiClasses() throws IOException, ClassNotFoundException {
        List<Class<?>> out = new ArrayList<>();
        for (String pkg : API) {
            try (Stream<Path> files = Files.list(CLASSES.resolve(pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = CLASSES.relativize(f).toString().replace('\\', '/').replace('/', '.');
                    Class<?> c = Class.forName(name.substring(0, name.length() - ".class".length()));
                    if (isApi(c)) {
                        out.add(c);
                    }
                }
            }
        }
        assertThat(out).as("API classes found under " + CLASSES.toAbsolutePath()).isNotEmpty();
        return out;
    }

    private static boolean isApi(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return false;
            }
        }
        return !c.isSynthetic() && !c.isAnonymousClass();
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    @Test
    void publicSignatures_nameNoInternalType() throws Exception {
        List<String> leaks = new ArrayList<>();
        for (Class<?> c : apiClasses()) {
            List<String> parts = new ArrayList<>();
            if (c.getGenericSuperclass() != null) {
                parts.add(c.getGenericSuperclass().getTypeName());
            }
            Arrays.stream(c.getGenericInterfaces()).forEach(t -> parts.add(t.getTypeName()));
            for (Method m : c.getDeclaredMethods()) {
                if (visible(m.getModifiers()) && !m.isSynthetic()) {
                    parts.add(m.getGenericReturnType().getTypeName());
                    signature(m, parts);
                }
            }
            boolean finalClass = Modifier.isFinal(c.getModifiers());
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (Modifier.isPublic(k.getModifiers()) || (!finalClass && Modifier.isProtected(k.getModifiers()))) {
                    signature(k, parts);
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (visible(f.getModifiers()) && !f.isSynthetic()) {
                    parts.add(f.getGenericType().getTypeName());
                }
            }
            if (c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    parts.add(rc.getGenericType().getTypeName());
                }
            }
            parts.stream().filter(p -> p.contains(".internal.")).forEach(p -> leaks.add(c.getName() + ": " + p));
        }
        assertThat(leaks).isEmpty();
    }

    private static void signature(Executable e, List<String> parts) {
        Arrays.stream(e.getGenericParameterTypes()).forEach(t -> parts.add(t.getTypeName()));
        Arrays.stream(e.getGenericExceptionTypes()).forEach(t -> parts.add(t.getTypeName()));
    }

    @Test
    void publicJavadoc_throwsNoInternalType() throws IOException {
        Pattern throwsTag = Pattern.compile("@throws\\s+(\\S+)");
        List<String> leaks = new ArrayList<>();
        for (String pkg : API) {
            try (Stream<Path> files = Files.list(Path.of("src/main/java").resolve(pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = throwsTag.matcher(Files.readString(f));
                    while (m.find()) {
                        if (m.group(1).contains(".internal.") || m.group(1).equals("LocalStoreException")
                                || m.group(1).equals("TransportException")) {
                            leaks.add(f.getFileName() + ": @throws " + m.group(1));
                        }
                    }
                }
            }
        }
        assertThat(leaks).isEmpty();
    }

    @Test
    void storageFailures_arePublicAndCarryTheirContext() {
        assertThat(Modifier.isPublic(StorageException.class.getModifiers())).isTrue();
        assertThat(dev.syncline.core.SynclineException.class).isAssignableFrom(StorageException.class);
        assertThat(dev.syncline.core.SynclineException.class).isAssignableFrom(DatabaseInUseException.class);
        StorageException e = new StorageException(Path.of("a.db"), "write", "local write failed in a.db", null);
        assertThat(e.file()).isEqualTo(Path.of("a.db"));
        assertThat(e.operation()).isEqualTo("write");
    }
}
