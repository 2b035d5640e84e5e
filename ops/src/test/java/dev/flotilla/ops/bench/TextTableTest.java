package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TextTableTest {

    @Test
    void padsEveryColumnToItsWidestCellAsAMarkdownTable() {
        String t = new TextTable("metric", "a").row("boot", "12.5").row("x", "1").render();
        assertEquals("""
                | metric | a    |
                | ------ | ---- |
                | boot   | 12.5 |
                | x      | 1    |
                """, t);
    }

    @Test
    void everyLineHasTheSameLength() {
        String t = new TextTable("m", "Flotilla", "QEMU").row("a long metric name", "1", "22222222222").render();
        long lengths = t.lines().mapToInt(String::length).distinct().count();
        assertEquals(1, lengths, t);
    }

    @Test
    void aPipeInACellCannotBreakTheTable() {
        String t = new TextTable("m").row("a|b").render();
        assertEquals("| m   |\n| --- |\n| a/b |\n", t);
    }

    @Test
    void rowsMustMatchTheColumns() {
        assertThrows(IllegalArgumentException.class, () -> new TextTable("a", "b").row("only one"));
    }
}
