package org.rehabfhir.server.reliability;

import ca.uhn.fhir.jpa.cache.IResourceChangeListenerCache;
import ca.uhn.fhir.jpa.cache.IResourceChangeListenerRegistry;
import ca.uhn.fhir.jpa.model.sched.HapiJob;
import ca.uhn.fhir.jpa.model.sched.IHasScheduledJobs;
import ca.uhn.fhir.jpa.model.sched.ISchedulerService;
import ca.uhn.fhir.jpa.model.sched.ScheduledJobDefinition;
import java.time.Duration;
import org.quartz.JobExecutionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Keeps the registries HAPI holds in memory and fills from the database (the active SearchParameters and the active
 * Subscriptions: HAPI's resource-change-listener caches) at most {@code rehab.fhir.registry-refresh-interval} behind
 * a change made through another server process on the same database. A change made through this process is seen here
 * at once (HAPI refreshes the cache when it stores a watched resource), but HAPI reloads each cache from the database
 * only once a minute ({@code REFRESH_INTERVAL} of {@code SearchParamRegistryImpl} and
 * {@code BaseResourceCacheSynchronizer}, 60 s, not configurable), checked every 10 s: a Subscription created through
 * one replica would otherwise miss the writes through the other for up to 70 s. This job asks every such cache to
 * refresh (HAPI's local scheduler: it runs on each process, as it must); a refresh compares the stored resources'
 * versions with the cached ones and reloads only what changed.
 */
@Component
public class RegistryRefresh implements IHasScheduledJobs {

    private static final Logger log = LoggerFactory.getLogger(RegistryRefresh.class);
    /** HAPI's own refresh: every 60 s ({@code REFRESH_INTERVAL}), checked every 10 s. */
    private static final Duration HAPI_MAX_LAG = Duration.ofSeconds(70);

    private final IResourceChangeListenerRegistry registry;
    private final Duration interval;

    public RegistryRefresh(
            IResourceChangeListenerRegistry registry,
            @Value("${rehab.fhir.registry-refresh-interval:5s}") Duration interval) {
        this.registry = registry;
        this.interval = interval;
    }

    @Override
    public void scheduleJobs(ISchedulerService scheduler) {
        if (interval.isZero() || interval.isNegative()) {
            log.info("HAPI's registries refresh from the database at HAPI's own pace (60 s)");
            return;
        }
        ScheduledJobDefinition job = new ScheduledJobDefinition();
        job.setId(RegistryRefresh.class.getName());
        job.setJobClass(Job.class);
        scheduler.scheduleLocalJob(interval.toMillis(), job);
        log.info("HAPI's SearchParameter and Subscription registries refresh from the database every {}", interval);
    }

    /**
     * How far behind a change stored through another replica this process's registries may be: the interval, or
     * HAPI's own pace (a reload every 60 s, checked every 10 s) when the job is off.
     */
    public Duration maxLag() {
        return interval.isZero() || interval.isNegative() ? HAPI_MAX_LAG : interval;
    }

    /** Refreshes every initialized cache of the registry (SearchParameter, Subscription) now. */
    public void refresh() {
        if (!(registry instanceof Iterable<?> caches)) {
            return;
        }
        for (Object each : caches) {
            if (each instanceof IResourceChangeListenerCache cache && cache.isInitialized()) {
                cache.requestRefresh();
                cache.refreshCacheIfNecessary();
            }
        }
    }

    /**
     * The Quartz job: HAPI's job factory creates it and autowires its fields (a job has no constructor arguments).
     */
    public static class Job implements HapiJob {

        @Autowired
        private RegistryRefresh refresh;

        @Override
        public void execute(JobExecutionContext context) {
            refresh.refresh();
        }
    }
}
