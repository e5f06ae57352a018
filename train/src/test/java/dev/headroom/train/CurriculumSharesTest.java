package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.headroom.attention.HeadroomException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CurriculumSharesTest {

    @Test
    void parsesTaskSharesInOrderAndRefusesBadOnes() {
        assertEquals(
                Map.of("passkey", 0.5, "copy", 0.25),
                TrainingData.Curriculum.parseShares("passkey=0.5, copy=0.25"));
        assertEquals(
                "shares: 'pasky=1' is not TASK=SHARE with TASK one of passkey, niah_single, niah_multikey, "
                        + "variable_tracking, mqar, copy",
                assertThrows(
                                HeadroomException.class,
                                () -> TrainingData.Curriculum.parseShares("pasky=1"))
                        .getMessage());
        assertEquals(
                "shares: share '0' of copy is not a positive number",
                assertThrows(
                                HeadroomException.class,
                                () -> TrainingData.Curriculum.parseShares("copy=0"))
                        .getMessage());
    }
}
