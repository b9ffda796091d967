package dev.plrd.api;

public enum TolerationOperator {
    Exists,
    Equal
}
