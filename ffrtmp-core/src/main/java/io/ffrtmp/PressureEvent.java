package io.ffrtmp;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PressureTrigger} fired: the workload's tasks stalled on the resource for at least
 * the trigger's stall time within its window.
 *
 * @param jobId the workload's job id
 * @param trigger the trigger that fired
 * @param at when the watcher was woken
 * @param pressure the workload's pressure files read just after, or null where they could not
 *     be read (the workload ended meanwhile)
 */
public record PressureEvent(String jobId, PressureTrigger trigger, Instant at,
    @Nullable Pressure pressure) {}
