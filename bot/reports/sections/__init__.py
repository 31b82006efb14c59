"""The sections of the report, one module each, in the order the report gives them: reach
and subscribers, campaigns, questions, the contest, feedback, surveys. Each is a `Drafter`
(`bot.reports.drafting`) with the method that writes its section (and that method's
helpers); `bot.reports.builder` combines them into one `Builder`."""
