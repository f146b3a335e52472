"""Imported once by the workers' forkserver: what every worker needs, loaded before it forks them.

jieba's dictionary takes a second or two to load; loaded here, every worker shares it (copy-on-write), and a
first /search does not spend its time limit on it.
"""

from plankg.api import jobs  # noqa: F401
from plankg.extraction import segment

segment.words("规划")
