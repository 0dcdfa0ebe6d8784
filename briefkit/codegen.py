"""How a theme's templates are compiled: Jinja's code, with fewer steps between a template's text and its page.

What a template writes, and the order its expressions are worked out in, are Jinja's; only how the pieces
reach the page differs. A page's pieces went up one by one through the generators of its blocks and
includes to the join that makes it (some 3.5 million pieces on a 4,000-brief site).
"""

from __future__ import annotations

import jinja2.compiler
import jinja2.nodes
from jinja2.compiler import Frame


class CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's, but an output tag's pieces are yielded as one string, and an include's are passed on by
    `yield from` rather than a loop in Python over each of them."""

    def visit_Output(self, node: jinja2.nodes.Output, frame: Frame) -> None:
        """Text and the values between, up to the next tag, joined into one string and yielded: Jinja yielded
        each. Constants are folded as Jinja folds them (CodeGenerator.visit_Output)."""
        if frame.buffer is not None or frame.require_output_check or self.environment.is_async:
            return super().visit_Output(node, frame)  # a macro's buffer, output outside a block: as Jinja
        finalize = self._make_finalize()
        body: list[list[str] | jinja2.nodes.Expr] = []
        for child in node.nodes:
            try:
                if not (finalize.const or isinstance(child, jinja2.nodes.TemplateData)):
                    raise jinja2.nodes.Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except Exception:  # noqa: BLE001 - as Jinja: what cannot be folded (Impossible or not) is worked out when rendered
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        if len(body) < 2:
            return super().visit_Output(node, frame)
        self.writeline("yield ''.join((")
        self.indent()
        for item in body:
            if isinstance(item, list):
                self.writeline(self._output_const_repr(item) + ",")
            else:
                self.newline(item)  # each value on its own line: an error's line in the template is found by it
                self._output_child_pre(item, frame, finalize)
                self.visit(item, frame)
                self._output_child_post(item, frame, finalize)
                self.write(",")
        self.outdent()
        self.writeline("))")
        return None

    def visit_Include(self, node: jinja2.nodes.Include, frame: Frame) -> None:
        """`{% include %}` of one named template with the page's context, outside a macro: its pieces passed on by
        `yield from` (which closes the included template's generator as Jinja's `finally: gen.close()` did).
        Any other include is Jinja's."""
        if (frame.buffer is not None or not node.with_context or self.environment.is_async
                or not isinstance(node.template, jinja2.nodes.Const) or not isinstance(node.template.value, str)):
            return super().visit_Include(node, frame)
        if node.ignore_missing:
            self.writeline("try:")
            self.indent()
        self.writeline("template = environment.get_template(", node)
        self.visit(node.template, frame)
        self.write(f", {self.name!r})")
        if node.ignore_missing:
            self.outdent()
            self.writeline("except TemplateNotFound:")
            self.indent()
            self.writeline("pass")
            self.outdent()
            self.writeline("else:")
            self.indent()
        self.writeline("yield from template.root_render_func("
                       f"template.new_context(context.get_all(), True, {self.dump_local_context(frame)}))")
        if node.ignore_missing:
            self.outdent()
        return None

    @jinja2.compiler.optimizeconst
    def visit_Getattr(self, node: jinja2.nodes.Getattr, frame: Frame) -> None:
        """`a.b` as `getattr_first(a, "b", missing)` (the builtin getattr), and Jinja's environment.getattr only when
        that finds nothing (an item of that name, or undefined): Jinja called environment.getattr, a Python
        function, for each of some 2.4 million attributes on a 4,000-brief site. `a` is worked out once.
        Where the environment's getattr is not engine._Environment's own (the build cache's ReadLog notes every
        attribute read), a template's getattr_first is that getattr: each read goes through it, once."""
        if self.environment.is_async:
            return super().visit_Getattr(node, frame)
        self.write("(_attr if (_attr := getattr_first((_attr_of := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, missing)) is not missing else environment.getattr(_attr_of, {node.attr!r}))")
        return None
