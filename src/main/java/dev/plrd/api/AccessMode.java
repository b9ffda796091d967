package dev.plrd.api;

public enum AccessMode {
    ReadWriteOnce,
    ReadWriteMany,
    ReadWriteOncePod
}
