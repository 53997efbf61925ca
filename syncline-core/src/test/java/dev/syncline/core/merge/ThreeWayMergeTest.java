package dev.syncline.core.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.ConflictType;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ThreeWayMergeTest {
    private static ObjectNode o(String json) {
        return (ObjectNode) Json.parse(json.replace('\'', '"'));
    }

    private final ThreeWayMerge byLatest = ThreeWayMerge.byLatest();

    @Test
    void fieldsChangedOnOneSide_takeThatSide() {
        ObjectNode base = o("{'name':'A','desc':'d','bpm':100}");
        ObjectNode local = o("{'name':'B','desc':'d','bpm':100}");
        ObjectNode remote = o("{'name':'A','desc':'e','bpm':100}");
        assertThat(byLatest.merge(base, local, remote, false)).isEqualTo(o("{'name':'B','desc':'e','bpm':100}"));
    }

    @Test
    void fieldRemovedOnOneSide_staysRemoved_andFieldAddedStaysAdded() {
        ObjectNode base = o("{'a':1,'b':2}");
        ObjectNode local = o("{'a':1}");
        ObjectNode remote = o("{'a':1,'b':2,'c':3}");
        assertThat(byLatest.merge(base, local, remote, false)).isEqualTo(o("{'a':1,'c':3}"));
    }

    @Test
    void fieldChangedOnBothSides_goesToTheLaterChange() {
        ObjectNode base = o("{'name':'A'}");
        ObjectNode local = o("{'name':'L'}");
        ObjectNode remote = o("{'name':'R'}");
        assertThat(byLatest.merge(base, local, remote, true).get("name").asText()).isEqualTo("L");
        assertThat(byLatest.merge(base, local, remote, false).get("name").asText()).isEqualTo("R");
    }

    @Test
    void nestedObjects_mergeFieldByField() {
        ObjectNode base = o("{'meta':{'title':'t','key':'C'}}");
        ObjectNode local = o("{'meta':{'title':'T2','key':'C'}}");
        ObjectNode remote = o("{'meta':{'title':'t','key':'D'}}");
        assertThat(byLatest.merge(base, local, remote, false)).isEqualTo(o("{'meta':{'title':'T2','key':'D'}}"));
    }

    @Test
    void setUnion_keepsAdditionsOfBothSidesAndHonoursRemovals() {
        ThreeWayMerge m = ThreeWayMerge.builder().rule("collaborators", FieldRules.setUnion()).build();
        ObjectNode base = o("{'collaborators':['ann','bob','cy']}");
        // Local removed bob and added dee; remote added eve and removed cy.
        ObjectNode local = o("{'collaborators':['ann','cy','dee']}");
        ObjectNode remote = o("{'collaborators':['ann','bob','eve']}");
        assertThat(m.merge(base, local, remote, false)).isEqualTo(o("{'collaborators':['ann','dee','eve']}"));
    }

    @Test
    void setUnion_removedCollaboratorStaysRemovedEvenIfTheOtherSideEditedTheList() {
        ThreeWayMerge m = ThreeWayMerge.builder().rule("collaborators", FieldRules.setUnion()).build();
        ObjectNode base = o("{'collaborators':['ann','bob']}");
        ObjectNode local = o("{'collaborators':['ann']}");
        ObjectNode remote = o("{'collaborators':['bob','ann','zed']}");
        assertThat(m.merge(base, local, remote, true)).isEqualTo(o("{'collaborators':['ann','zed']}"));
    }

    @Test
    void maxAndMin_pickByValue() {
        ObjectNode base = o("{'plays':1}");
        ThreeWayMerge max = ThreeWayMerge.builder().rule("plays", FieldRules.max()).build();
        ThreeWayMerge min = ThreeWayMerge.builder().rule("plays", FieldRules.min()).build();
        assertThat(max.merge(base, o("{'plays':5}"), o("{'plays':3}"), false).get("plays").asInt()).isEqualTo(5);
        assertThat(min.merge(base, o("{'plays':5}"), o("{'plays':3}"), true).get("plays").asInt()).isEqualTo(3);
    }

    @Test
    void ruleByNestedPath_appliesOnlyThere() {
        ThreeWayMerge m = ThreeWayMerge.builder().rule("meta.title", FieldRules.local()).build();
        ObjectNode base = o("{'meta':{'title':'t'},'title':'t'}");
        ObjectNode local = o("{'meta':{'title':'L'},'title':'L'}");
        ObjectNode remote = o("{'meta':{'title':'R'},'title':'R'}");
        assertThat(m.merge(base, local, remote, false)).isEqualTo(o("{'meta':{'title':'L'},'title':'R'}"));
    }

    @Test
    void merge_leavesItsArgumentsUnchanged() {
        ObjectNode base = o("{'a':{'x':1}}");
        ObjectNode local = o("{'a':{'x':2}}");
        ObjectNode remote = o("{'a':{'y':3}}");
        ObjectNode result = byLatest.merge(base, local, remote, true);
        result.with("a").put("x", 99);
        assertThat(local).isEqualTo(o("{'a':{'x':2}}"));
        assertThat(remote).isEqualTo(o("{'a':{'y':3}}"));
    }

    @Test
    void builder_rejectsBadOrRepeatedRules() {
        assertThatThrownBy(() -> ThreeWayMerge.builder().rule(" ", FieldRules.local()))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> ThreeWayMerge.builder().rule("a", FieldRules.local()).rule("a", FieldRules.remote()))
                .hasMessageContaining("already");
        assertThatThrownBy(() -> ThreeWayMerge.builder().defaultRule(FieldRules.local()).defaultRule(FieldRules.local()))
                .hasMessageContaining("already");
    }

    @Test
    void randomDocuments_oneSidedChangesMergeToThatSide() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        for (int i = 0; i < 2000; i++) {
            ObjectNode base = randomDoc(r, 2);
            ObjectNode changed = randomDoc(r, 2);
            boolean latest = r.nextBoolean();
            assertThat(byLatest.merge(base, changed, base, latest)).as("seed %d", seed).isEqualTo(changed);
            assertThat(byLatest.merge(base, base, changed, latest)).as("seed %d", seed).isEqualTo(changed);
            assertThat(byLatest.merge(base, changed, changed, latest)).as("seed %d", seed).isEqualTo(changed);
        }
    }

    @Test
    void classify_usesVersionsNotClocks() {
        assertThat(ConflictType.classify(3, true, false, 3, false)).isEqualTo(ConflictType.LOCAL_NEWER);
        assertThat(ConflictType.classify(3, false, false, 4, false)).isEqualTo(ConflictType.REMOTE_NEWER);
        assertThat(ConflictType.classify(3, false, false, 3, false)).isNull();
        assertThat(ConflictType.classify(3, true, false, 4, false)).isEqualTo(ConflictType.CONCURRENT_MODIFICATION);
        assertThat(ConflictType.classify(3, true, true, 4, false)).isEqualTo(ConflictType.DELETED_LOCALLY);
        assertThat(ConflictType.classify(3, true, false, 4, true)).isEqualTo(ConflictType.DELETED_REMOTELY);
        assertThat(ConflictType.DELETED_REMOTELY.isConflict()).isTrue();
        assertThat(ConflictType.LOCAL_NEWER.isConflict()).isFalse();
    }

    private static ObjectNode randomDoc(Random r, int depth) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        int fields = r.nextInt(4);
        for (int i = 0; i < fields; i++) {
            String name = "f" + r.nextInt(4);
            switch (r.nextInt(depth > 0 ? 4 : 3)) {
                case 0 -> n.put(name, r.nextInt(3));
                case 1 -> n.put(name, "s" + r.nextInt(3));
                case 2 -> n.putArray(name).add(r.nextInt(3)).add(r.nextInt(3));
                default -> n.set(name, randomDoc(r, depth - 1));
            }
        }
        return n;
    }
}
