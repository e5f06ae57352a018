package dev.headroom.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.headroom.stages.search.PlanTables;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class RecordTableTest {

    @Test
    void mapsComponentsToSnakeCaseFieldsAndBack() {
        PlanTables.PlanHead row =
                new PlanTables.PlanHead(
                        "hybrid", 2, 1, "window", 16, 512.0, 0.375, 2048, 1280, 0.61);
        GenericRecord g = PlanTables.HEADS.toRecord(row, PlanTables.HEADS.schema());
        assertEquals(1, g.get("kv_head"));
        assertEquals(2048, g.get("budget_length"));
        assertEquals(row, PlanTables.HEADS.fromRecord(g));
        assertEquals("kv_head", RecordTable.fieldName("kvHead"));
    }

    record Orphan(int missingField) {}

    @Test
    void refusesARecordWhoseComponentTheSchemaLacks() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new RecordTable<>(
                                "t",
                                Orphan.class,
                                "{\"type\": \"record\", \"name\": \"T\", \"fields\": [{\"name\": \"other\", \"type\": \"int\"}]}"));
    }
}
