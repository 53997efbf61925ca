package dev.syncline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code syncline demo} tells its story and exits 0 with both replicas equal to the server. */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void demo_tellsTheStory_andEndsWithBothReplicasEqualToTheServer() {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute("demo", "--dir", dir.toString());
        assertThat(exit).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .contains("collaborators [alice, bob, dave] (carol stays removed, dave added)")
                .contains("title 'Intro (radio edit)' (metadata) with file s3://tf/intro-v2.flac")
                .contains("needs a person: comment c1 (concurrentModification)")
                .contains("both replicas equal the server (3 documents): done");
    }
}
