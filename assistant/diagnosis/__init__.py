"""SQL diagnosis: why a query fails or is slow, with evidence from the user's own database.

    from assistant.diagnosis import diagnose, diagnose_static
    report = await diagnose(sql, connector, llm)        # findings + model summary + verified advice
    async for event in diagnose_stream(sql, connector, llm):  # the same, told as it is found
        ...                                             # finding/advice/withdrawn, summary, done (or error)
    ctx = diagnose_static(sql, connector)               # the same without a model (synchronous)

Every finding says whether the database confirmed it (`verified`) and how
(`verification`); advice is verified by the engine's plan or by comparing
results on the real data, never by the model.
"""

from assistant.diagnosis.events import Done, ErrorEvent, Event, FindingEvent, SummaryEvent, Withdrawn
from assistant.diagnosis.findings import Finding, Location, Report
from assistant.diagnosis.pipeline import diagnose, diagnose_static, diagnose_stream, report_of

__all__ = ["Done", "ErrorEvent", "Event", "Finding", "FindingEvent", "Location", "Report", "SummaryEvent",
           "Withdrawn", "diagnose", "diagnose_static", "diagnose_stream", "report_of"]
