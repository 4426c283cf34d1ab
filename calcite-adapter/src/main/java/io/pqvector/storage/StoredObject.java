package io.pqvector.storage;

/**
 * One version of a stored object: its key (relative to the store, '/'-separated), length and
 * version tag (an S3 ETag; for local files, size and modification time). Two reads of the same
 * {@code StoredObject} see the same bytes, so everything derived from one may be cached by it.
 */
public record StoredObject(String key, long length, String tag, long modifiedMillis) {
}
