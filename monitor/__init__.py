"""school-social-monitor: vets a school's social media against its policy."""
