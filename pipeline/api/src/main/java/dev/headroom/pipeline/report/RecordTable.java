package dev.headroom.pipeline.report;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * An {@link AvroTable} whose rows are a Java record with one component per Avro field: component
 * {@code kvHead} is field {@code kv_head}. Saves writing the field-by-field mapping for flat tables
 * of ints, longs, doubles, booleans and strings; the schema text stays explicit, since it is the
 * documented contract.
 */
public final class RecordTable<T extends Record> implements AvroTable<T> {
    private final String name;
    private final String schemaJson;
    private final Class<T> type;

    public RecordTable(String name, Class<T> type, String schemaJson) {
        this.name = name;
        this.type = type;
        this.schemaJson = schemaJson;
        Schema schema = schema();
        for (RecordComponent c : type.getRecordComponents()) {
            if (schema.getField(fieldName(c.getName())) == null) {
                throw new IllegalArgumentException(
                        name
                                + ": schema has no field "
                                + fieldName(c.getName())
                                + " for "
                                + c.getName());
            }
        }
    }

    static String fieldName(String component) {
        return component
                .replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                .toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String schemaJson() {
        return schemaJson;
    }

    @Override
    public GenericRecord toRecord(T row, Schema schema) {
        GenericRecord g = new GenericData.Record(schema);
        try {
            for (RecordComponent c : type.getRecordComponents())
                g.put(fieldName(c.getName()), c.getAccessor().invoke(row));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return g;
    }

    @Override
    public T fromRecord(GenericRecord g) {
        RecordComponent[] cs = type.getRecordComponents();
        Class<?>[] types = new Class<?>[cs.length];
        Object[] args = new Object[cs.length];
        for (int i = 0; i < cs.length; i++) {
            types[i] = cs[i].getType();
            Object v = g.get(fieldName(cs[i].getName()));
            args[i] = v instanceof Utf8 ? v.toString() : v;
        }
        try {
            Constructor<T> ctor = type.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
