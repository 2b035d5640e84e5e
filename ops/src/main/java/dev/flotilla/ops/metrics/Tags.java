package dev.flotilla.ops.metrics;

import kamon.tag.TagSet;

/**
 * Tag sets built in one go. Chaining {@code withTag} on a Kamon metric registers every intermediate
 * instrument (a series with only the first tag), which Prometheus would then show as a stray series.
 */
final class Tags {

    private Tags() {}

    static TagSet of(String... keyValues) {
        if (keyValues.length % 2 != 0) throw new IllegalArgumentException("tags come in key/value pairs");
        TagSet.Builder b = TagSet.builder();
        for (int i = 0; i < keyValues.length; i += 2) b.add(keyValues[i], keyValues[i + 1]);
        return b.build();
    }
}
