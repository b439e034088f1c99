"""The learner's way through: video progress, quizzes and completion."""
