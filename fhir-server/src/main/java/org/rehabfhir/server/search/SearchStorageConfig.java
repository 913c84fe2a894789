package org.rehabfhir.server.search;

import ca.uhn.fhir.jpa.api.svc.ISearchCoordinatorSvc;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * HAPI's search coordinator (the bean of its {@code SearchConfig}) wrapped in {@link StoreOnlyPagedSearchCoordinator},
 * unless {@code rehab.fhir.search.store-only-when-paged} is false.
 */
@Configuration
@ConditionalOnProperty(name = "rehab.fhir.search.store-only-when-paged", havingValue = "true", matchIfMissing = true)
public class SearchStorageConfig {

    @Bean
    public static BeanPostProcessor storeOnlyPagedSearches() {
        return new BeanPostProcessor() {
            @Override
            @SuppressWarnings("unchecked")
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof ISearchCoordinatorSvc<?> hapi
                        && !(bean instanceof StoreOnlyPagedSearchCoordinator)) {
                    return new StoreOnlyPagedSearchCoordinator((ISearchCoordinatorSvc<JpaPid>) hapi);
                }
                return bean;
            }
        };
    }
}
