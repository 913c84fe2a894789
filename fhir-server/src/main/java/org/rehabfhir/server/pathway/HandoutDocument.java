package org.rehabfhir.server.pathway;

import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CarePlan.CarePlanActivityDetailComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Timing;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.record.Numbers;
import org.springframework.web.util.HtmlUtils;

/**
 * The patient's take-home handout of a plan, in plain language: the regimen, each phase's schedule (how often, how
 * long, from when to when, treadmill speed and incline, who supervises), the safety rules of the clinical brief
 * (clear path, spotter, stop rules, technique), what to record after each session, the goals, the physiotherapist
 * and the evidence label. Written as XHTML and rendered to PDF with openhtmltopdf (PDFBox).
 */
final class HandoutDocument {

    /** The safety rules of the clinical brief, for patients. */
    static final List<String> SAFETY_RULES = List.of(
            "Walk backward only on a clear, level path you know well: no rugs, steps, cables, pets or people behind you.",
            "Do not walk backward alone until your physiotherapist says you may: a trained partner (spotter) stays "
                    + "beside you, facing forward, ready to steady you.",
            "On a treadmill, hold the handrails and start slowly; your physiotherapist sets the speed and the incline.",
            "Reach back with your toes first, then lower the heel. Stand tall and look ahead, not down at your feet.",
            "Stop, hold on and sit down if you feel dizzy, short of breath, chest pain or pressure, or if pain rises "
                    + "more than 2 points (out of 10) above how it was before.",
            "If you fall or nearly fall, stop the programme and tell your physiotherapist before the next session.");

    static final List<String> TO_RECORD = List.of(
            "the date and how many minutes you walked backward;",
            "how hard it felt, from 0 (nothing at all) to 10 (the hardest you can imagine);",
            "your pain from 0 to 10 before the session, and again the next day;",
            "any near-fall or fall, and anything unusual (dizziness, swelling).");

    private HandoutDocument() {}

    static String html(
            CarePlan plan, String patientName, String clinician, List<Goal> goals, ProtocolCatalogue catalogue) {
        StringBuilder h = new StringBuilder(4096);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"UTF-8\"/><title>")
                .append(e(title(plan)))
                .append("</title><style>")
                .append("body{font-family:sans-serif;font-size:12pt;line-height:1.4;color:#111}")
                .append(
                        "h1{font-size:18pt;margin-bottom:2pt}h2{font-size:14pt;margin-top:14pt;border-bottom:1px solid #444}")
                .append(
                        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #666;padding:4pt;vertical-align:top;text-align:left}")
                .append(".small{font-size:9pt;color:#333}</style></head><body>");
        h.append("<h1>Your backward-walking programme</h1>");
        h.append("<p><b>For:</b> ")
                .append(e(patientName))
                .append("<br/><b>Physiotherapist:</b> ")
                .append(e(clinician))
                .append("<br/><b>Programme:</b> ")
                .append(e(title(plan)))
                .append("</p>");
        if (plan.hasDescription()) {
            h.append("<p>").append(e(plan.getDescription())).append("</p>");
        }
        h.append("<h2>Your schedule</h2><table><colgroup><col style=\"width:11%\"/><col style=\"width:45%\"/>"
                + "<col style=\"width:26%\"/><col style=\"width:18%\"/></colgroup><tr><th>Phase</th><th>What to do</th><th>How often and how long</th>"
                + "<th>Supervision</th></tr>");
        int phase = 1;
        for (CarePlan.CarePlanActivityComponent activity : plan.getActivity()) {
            CarePlanActivityDetailComponent d = activity.getDetail();
            h.append("<tr><td>")
                    .append(phase++)
                    .append(statusText(d))
                    .append("</td><td>")
                    .append(e(d.hasDescription() ? d.getDescription() : "Backward walking"))
                    .append(treadmill(d))
                    .append("</td><td>")
                    .append(e(schedule(d)))
                    .append("</td><td>")
                    .append(e(supervision(d, catalogue)))
                    .append("</td></tr>");
        }
        h.append("</table>");
        h.append("<h2>Stay safe</h2><ul>");
        SAFETY_RULES.forEach(rule -> h.append("<li>").append(e(rule)).append("</li>"));
        h.append("</ul><h2>After each session, write down</h2><ul>");
        TO_RECORD.forEach(item -> h.append("<li>").append(e(item)).append("</li>"));
        h.append("</ul>");
        if (!goals.isEmpty()) {
            h.append("<h2>What we are aiming for</h2><ul>");
            goals.forEach(g ->
                    h.append("<li>").append(e(g.getDescription().getText())).append("</li>"));
            h.append("</ul>");
        }
        h.append("<h2>How strong is the evidence?</h2><p>")
                .append(e(evidence(plan, catalogue)))
                .append("</p>");
        h.append("<p class=\"small\">Plan CarePlan/")
                .append(e(plan.getIdElement().getIdPart()))
                .append(", version ")
                .append(e(plan.getMeta().getVersionId()))
                .append(". Ask your physiotherapist before you change anything " + "in this programme.</p>");
        h.append("</body></html>");
        return h.toString();
    }

    static byte[] pdf(String html) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PdfRendererBuilder builder = new PdfRendererBuilder();
            builder.useFastMode();
            builder.withHtmlContent(html, null);
            builder.toStream(out);
            builder.run();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot render the handout PDF", e);
        }
    }

    private static String title(CarePlan plan) {
        return plan.hasTitle() ? plan.getTitle() : "Supervised backward walking";
    }

    private static String statusText(CarePlanActivityDetailComponent d) {
        if (!d.hasStatus()) {
            return "";
        }
        return switch (d.getStatus()) {
            case INPROGRESS -> " (now)";
            case COMPLETED -> " (done)";
            default -> "";
        };
    }

    static String schedule(CarePlanActivityDetailComponent d) {
        if (!d.hasScheduledTiming()) {
            return "As your physiotherapist tells you";
        }
        Timing.TimingRepeatComponent r = d.getScheduledTiming().getRepeat();
        StringBuilder s = new StringBuilder();
        if (r.hasFrequency() && r.hasPeriodUnit()) {
            s.append(r.getFrequency())
                    .append(r.getFrequency() == 1 ? " time" : " times")
                    .append(" a ")
                    .append(unit(r.getPeriodUnit().toCode()));
        }
        if (r.hasDuration()) {
            s.append(s.isEmpty() ? "" : ", ")
                    .append(Numbers.format(r.getDuration().doubleValue()))
                    .append(" ")
                    .append(r.hasDurationUnit() ? unit(r.getDurationUnit().toCode()) + "s" : "min")
                    .append(" each time");
        }
        if (r.hasBoundsPeriod()) {
            s.append(s.isEmpty() ? "" : "; ")
                    .append("from ")
                    .append(r.getBoundsPeriod().getStartElement().getValueAsString());
            if (r.getBoundsPeriod().hasEnd()) {
                s.append(" to ").append(r.getBoundsPeriod().getEndElement().getValueAsString());
            }
        }
        return s.toString();
    }

    private static String treadmill(CarePlanActivityDetailComponent d) {
        Optional<Quantity> speed = quantity(d.getExtensionByUrl(RehabCodes.EXT_SPEED));
        Optional<Quantity> incline = quantity(d.getExtensionByUrl(RehabCodes.EXT_INCLINE));
        if (speed.isEmpty() && incline.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder("<br/>Treadmill:");
        speed.ifPresent(
                q -> s.append(" speed ").append(e(Numbers.format(q.getValue().doubleValue()) + " " + q.getUnit())));
        incline.ifPresent(q -> s.append(speed.isPresent() ? "," : "")
                .append(" incline ")
                .append(e(Numbers.format(q.getValue().doubleValue()) + " " + q.getUnit())));
        return s.toString();
    }

    private static String supervision(CarePlanActivityDetailComponent d, ProtocolCatalogue catalogue) {
        Extension e = d.getExtensionByUrl(RehabCodes.EXT_SUPERVISION);
        if (e != null && e.getValue() instanceof Coding c && c.hasCode()) {
            return catalogue.display(RehabCodes.CS_SUPERVISION, c.getCode());
        }
        return "As your physiotherapist tells you";
    }

    private static String evidence(CarePlan plan, ProtocolCatalogue catalogue) {
        Extension e = plan.getExtensionByUrl(RehabCodes.EXT_EVIDENCE);
        Coding c = e == null
                ? null
                : e.getValue() instanceof org.hl7.fhir.r4.model.CodeableConcept cc
                        ? cc.getCodingFirstRep()
                        : e.getValue() instanceof Coding coding ? coding : null;
        if (c != null && c.hasCode()) {
            return catalogue.evidenceLabel(c.getCode()) + " " + catalogue.display(RehabCodes.CS_EVIDENCE, c.getCode())
                    + ". Your physiotherapist can tell you what the studies found.";
        }
        return "This programme was written by your physiotherapist for you.";
    }

    private static Optional<Quantity> quantity(Extension e) {
        return e != null && e.getValue() instanceof Quantity q && q.hasValue() ? Optional.of(q) : Optional.empty();
    }

    private static String unit(String ucum) {
        return switch (ucum) {
            case "d" -> "day";
            case "wk" -> "week";
            case "mo" -> "month";
            case "h" -> "hour";
            case "min" -> "minute";
            default -> ucum;
        };
    }

    private static String e(String s) {
        return s == null ? "" : HtmlUtils.htmlEscape(s, "UTF-8");
    }
}
