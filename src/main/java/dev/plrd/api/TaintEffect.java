package dev.plrd.api;

public enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute
}
