"""Old import path of :mod:`cxml.cli.demo`, kept so that existing code keeps working."""

from cxml.cli.demo import DEMO_ROUTING, run_demo

__all__ = ["DEMO_ROUTING", "run_demo"]
