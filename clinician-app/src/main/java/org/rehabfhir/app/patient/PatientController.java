package org.rehabfhir.app.patient;

import org.rehabfhir.app.fhir.FhirApi;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * Physiotherapist screen 2: the patient. {@code /patients/{id}} is also the deep link an EHR or a CDS Hooks card
 * opens (the user signs in first when needed, then lands here).
 */
@Controller
public class PatientController {

	private final FhirApi api;
	private final PatientService patients;

	public PatientController(FhirApi api, PatientService patients) {
		this.api = api;
		this.patients = patients;
	}

	@GetMapping("/patients/{id}")
	public String patient(@PathVariable String id, Model model) {
		model.addAttribute("patient", patients.load(api.client(), org.rehabfhir.app.web.Ids.require(id)));
		return "patient";
	}
}
