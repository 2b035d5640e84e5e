package dev.flotilla.fleet.store;

import java.util.List;

/**
 * Everything in the store at start-up, ordered by id. Rows that could not be decoded are reported in
 * {@code unreadable} (id and why) rather than failing the whole fleet: they stay in the store untouched.
 */
public record LoadedState(List<StoredVm> vms, List<String> unreadable) {
    public LoadedState {
        vms = List.copyOf(vms);
        unreadable = List.copyOf(unreadable);
    }
}
