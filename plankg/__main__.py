from plankg.cli import run

run()
