"""The whole course as plain data, for translators and other tools (``council-course export-content``)."""

from __future__ import annotations

from typing import Any

from course.content.model import (
    LOCALES,
    Card,
    CardSet,
    Conversation,
    Course,
    FacilitatorGuide,
    Module,
    Post,
    Question,
    Quiz,
    SeminarQuestion,
    Text,
    Video,
)


def _text(text: Text | None) -> dict[str, str] | None:
    return text.as_dict() if text is not None else None


def _post(post: Post | None) -> dict[str, Any] | None:
    if post is None:
        return None
    return {
        "author": post.author,
        "text": _text(post.text),
        "meta": _text(post.meta),
        "note": _text(post.note),
        "reactions": post.reactions,
        "comments": post.comments,
        "shares": post.shares,
    }


def _question(question: Question) -> dict[str, Any]:
    scenario = question.scenario
    return {
        "id": question.id,
        "type": question.type.value,
        "jurisdiction": question.jurisdiction,
        "scenario": None
        if scenario is None
        else {
            "kind": scenario.kind.value,
            "author": scenario.author,
            "context": _text(scenario.context),
            "text": _text(scenario.text),
        },
        "prompt": _text(question.prompt),
        "options": [
            {
                "id": option.id,
                "text": _text(option.text),
                "correct": option.is_correct,
                "feedback": _text(option.feedback),
            }
            for option in question.options
        ],
        "explanation": _text(question.explanation),
        "sources": list(question.sources),
    }


def _quiz(quiz: Quiz) -> dict[str, Any]:
    return {
        "id": quiz.id,
        "kind": quiz.kind.value,
        "title": _text(quiz.title),
        "intro": _text(quiz.intro),
        "pass_mark": quiz.pass_mark,
        "draw": quiz.draw,
        "questions": [_question(question) for question in quiz.questions],
    }


def _video(video: Video) -> dict[str, Any]:
    return {
        "language": video.language,
        "origin": video.origin,
        "duration": video.duration,
        "sources": [{"path": source.path, "type": source.mime_type} for source in video.sources],
        "poster": video.poster,
        "captions": dict(video.captions),
        "chapters_track": video.chapters_track,
        "chapters": [
            {"scene": chapter.scene_id, "start": chapter.start, "end": chapter.end}
            for chapter in video.chapters
        ],
    }


def _module(module: Module) -> dict[str, Any]:
    return {
        "id": module.id,
        "number": module.number,
        "title": _text(module.title),
        "summary": _text(module.summary),
        "goals": [_text(goal) for goal in module.goals],
        "key_points": [
            {"text": _text(point.text), "sources": list(point.sources), "jurisdiction": point.jurisdiction}
            for point in module.key_points
        ],
        "law": [
            {
                "country": table.country,
                "caption": _text(table.caption),
                "intro": _text(table.intro),
                "note": _text(table.note),
                "rows": [
                    {
                        "situation": _text(row.situation),
                        "offence": _text(row.offence),
                        "who_reports": _text(row.who_reports),
                        "sources": list(row.sources),
                    }
                    for row in table.rows
                ],
            }
            for table in module.law
        ],
        "sources": list(module.sources),
        "scenes": [
            {
                "id": scene.id,
                "title": _text(scene.title),
                "slide": {
                    "layout": scene.slide.layout,
                    "heading": _text(scene.slide.heading),
                    "lines": [_text(line) for line in scene.slide.lines],
                    "diagram": scene.slide.diagram,
                    "labels": [_text(label) for label in scene.slide.labels],
                    "cite": _text(scene.slide.cite),
                    "post": _post(scene.slide.post),
                    "comments": [_post(comment) for comment in scene.slide.comments],
                },
                "narration": _text(scene.narration),
                # What the speech says in each language (the narration where no spoken text is given).
                "spoken": {language: scene.speech(language) for language in LOCALES},
                "sources": list(scene.sources),
            }
            for scene in module.scenes
        ],
        "videos": {language: _video(video) for language, video in module.videos.items()},
        "quizzes": [_quiz(quiz) for quiz in module.quizzes],
    }


def _card(card: Card) -> dict[str, Any]:
    return {
        "id": card.id,
        "number": card.number,
        "kind": card.kind.value,
        "title": _text(card.title),
        "situation": _text(card.situation),
        "question": _text(card.question),
        "notes": {
            "bring_out": [_text(point) for point in card.notes.bring_out],
            "follow_up": [_text(question) for question in card.notes.follow_up],
            "modules": list(card.notes.modules),
            "sources": list(card.notes.sources),
        },
        "seminar_question": _seminar_question(card.seminar_question),
    }


def _seminar_question(question: SeminarQuestion | None) -> dict[str, Any] | None:
    if question is None:
        return None
    return {
        "kind": question.kind.value,
        "text": _text(question.text),
        "options": [_text(option) for option in question.options],
    }


def _guide(guide: FacilitatorGuide | None) -> dict[str, Any] | None:
    if guide is None:
        return None
    return {
        "title": _text(guide.title),
        "intro": _text(guide.intro),
        "agendas": [
            {
                "id": agenda.id,
                "minutes": agenda.minutes,
                "cards": agenda.cards,
                "card_minutes": agenda.card_minutes,
                "title": _text(agenda.title),
                "steps": [{"minutes": step.minutes, "text": _text(step.text)} for step in agenda.steps],
            }
            for agenda in guide.agendas
        ],
        "timing": _text(guide.timing),
        "sections": [
            {"id": section.id, "title": _text(section.title), "points": [_text(p) for p in section.points]}
            for section in guide.sections
        ],
    }


def _card_set(card_set: CardSet) -> dict[str, Any]:
    return {
        "id": card_set.id,
        "title": _text(card_set.title),
        "intro": _text(card_set.intro),
        "cards": [_card(card) for card in card_set.cards],
    }


def _conversation(conversation: Conversation | None) -> dict[str, Any] | None:
    if conversation is None:
        return None
    dos_and_donts = conversation.dos_and_donts
    return {
        "title": _text(conversation.title),
        "intro": _text(conversation.intro),
        "sources": list(conversation.sources),
        "card_sets": [_card_set(card_set) for card_set in conversation.card_sets],
        "dos_and_donts": {
            "title": _text(dos_and_donts.title),
            "intro": _text(dos_and_donts.intro),
            "sections": [
                {
                    "id": section.id,
                    "title": _text(section.title),
                    "seminar_question": _seminar_question(section.seminar_question),
                    "items": [
                        {
                            "id": item.id,
                            "kind": item.kind.value,
                            "text": _text(item.text),
                            "why": _text(item.why),
                            "sources": list(item.sources),
                        }
                        for item in section.items
                    ],
                }
                for section in dos_and_donts.sections
            ],
        },
        "facilitator_guide": _guide(conversation.guide),
    }


def course_as_dict(course: Course) -> dict[str, Any]:
    """Every module, video, quiz, question and option (with ``correct``), and the conversation material,
    as JSON-ready data."""
    return {
        "id": course.id,
        "version": course.version,
        "content_hash": course.content_hash,
        "title": _text(course.title),
        "summary": _text(course.summary),
        "modules": [_module(module) for module in course.modules],
        "conversation": _conversation(course.conversation),
        "sources": [
            {
                "id": source.id,
                "title": source.title,
                "publisher": _text(source.publisher),
                "year": source.year,
                "url": source.url,
                "language": source.language,
            }
            for source in course.sources.values()
        ],
    }
